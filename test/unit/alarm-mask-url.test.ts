// Secrets in URLs never reach a log line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskUrl } from '../../src/alarm/mask-url.ts';

describe('maskUrl', () => {
  it('hides user and password', () => {
    assert.equal(maskUrl('https://bob:s3cret@hooks.example/x?y=1'), 'https://***:***@hooks.example/x?y=1');
    assert.equal(maskUrl('smtp://bob:s3cret@mail.example:25'), 'smtp://***:***@mail.example:25');
  });

  it('hides path tokens, secret parameters and every path segment of a known webhook service', () => {
    assert.equal(maskUrl('https://hooks.slack.com/services/T000/B000/XXXX'), 'https://hooks.slack.com/services/***/***/***');
    assert.equal(maskUrl('https://h.example/alert?api_key=abc&team=ops'), 'https://h.example/alert?api_key=***&team=ops');
    assert.equal(maskUrl('https://h.example/alert?token=abc#x'), 'https://h.example/alert?token=***#x');
    assert.equal(maskUrl('https://h.example/t/8f14e45fceea167a5a36dedd4bea2543/send'), 'https://h.example/t/***/send');
    assert.equal(maskUrl('https://KEY0123456789abcdef@h.example/x'), 'https://***@h.example/x');
  });

  it('leaves a URL without credentials and plain words alone', () => {
    assert.equal(maskUrl('http://127.0.0.1:8080/hook'), 'http://127.0.0.1:8080/hook');
    assert.equal(maskUrl('sendmail'), 'sendmail');
  });
});
