/** The binary of test/fixtures/NAME.c under `root`, compiled when missing or older than its source. */
export function compiledFixture(root: string, name: string): string;
