// Stands in for graceful-fs inside the bundle (see build.mjs): proper-lockfile makes one mkdir
// and a few stats per supervisor, never enough open files for graceful-fs's EMFILE queue to
// matter, and loading graceful-fs costs about 5 ms of every supervisor's start.
module.exports = require('node:fs');
