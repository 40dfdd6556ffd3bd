#!/usr/bin/env node
// The example service `npm start` supervises: prints a heartbeat every few seconds, stops cleanly
// on SIGTERM, and exits with code 3 when it receives SIGUSR1 (to watch a restart happen).
let beats = 0;
console.log(`demo service started, pid ${process.pid}`);
const timer = setInterval(() => console.log(`heartbeat ${(beats += 1)}`), 5000);
process.on('SIGTERM', () => {
  console.log('demo service got SIGTERM, exiting');
  clearInterval(timer);
  process.exit(0);
});
process.on('SIGUSR1', () => {
  console.error('demo service told to crash (SIGUSR1), exiting with code 3');
  process.exit(3);
});
