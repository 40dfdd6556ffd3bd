// Secrets in URLs never reach a log line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskUrl } from '../../src/alarm/mask-url.ts';

describe('maskUrl', () => {
  it('hides user and password', () => {
    assert.equal(maskUrl('https://bob:s3cret@hooks.example/x?y=1'), 'https://***:***@hooks.example/x?y=1');
    assert.equal(maskUrl('smtp://bob:s3cret@mail.example:25'), 'smtp://***:***@mail.example:25');
  });

  it('leaves a URL without credentials and plain words alone', () => {
    assert.equal(maskUrl('http://127.0.0.1:8080/hook'), 'http://127.0.0.1:8080/hook');
    assert.equal(maskUrl('sendmail'), 'sendmail');
  });
});
