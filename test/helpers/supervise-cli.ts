// Kept so that test files written against this module's names keep working: everything now lives
// in the one e2e harness, test/helpers/harness.ts. New tests import that.
export * from './harness.ts';
