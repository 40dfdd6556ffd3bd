// Kept only for test/stress/takeover-race.test.ts, which still imports it: everything lives in the
// one e2e harness, test/helpers/harness.ts. Every other test imports that; so should new ones.
export * from './harness.ts';
