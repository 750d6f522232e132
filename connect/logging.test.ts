import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, SECRET_FIELDS } from './logging.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines, text: () => lines.join('\n') };
}

describe('the structured logger', () => {
  it('writes one JSON object a line, with the process name, level and message', () => {
    const out = capture();
    createLogger('revoker-test', out.stream).info({ workflowId: 'playbook/x' }, 'playbook started');
    assert.equal(out.lines.length, 1);
    const line = JSON.parse(out.lines[0] ?? '') as Record<string, unknown>;
    assert.equal(line.name, 'revoker-test');
    assert.equal(line.level, 30);
    assert.equal(line.msg, 'playbook started');
    assert.equal(line.workflowId, 'playbook/x');
  });

  it('redacts every secret field at the top, one level down and in headers', () => {
    const out = capture();
    const logger = createLogger('revoker-test', out.stream);
    for (const field of SECRET_FIELDS) {
      const secret = `s3cr3t-${field}-value`;
      logger.info({ [field]: secret }, 'top');
      logger.info({ auth: { [field]: secret } }, 'nested');
      logger.info({ req: { headers: { [field]: secret } } }, 'request headers');
      logger.info({ call: { headers: { [field]: secret } } }, 'call headers');
    }
    assert.equal(out.lines.length, SECRET_FIELDS.length * 4);
    assert.doesNotMatch(out.text(), /s3cr3t-/);
    assert.match(out.text(), /\[redacted\]/);
  });

  it('keeps what is no secret', () => {
    const out = capture();
    createLogger('revoker-test', out.stream).warn({ source: 'splunk', reason: 'no credentials' }, 'refused');
    assert.match(out.text(), /"source":"splunk"/);
    assert.match(out.text(), /"reason":"no credentials"/);
  });
});

describe('the structured logger at a terminal', () => {
  it('reads pretty, still redacted', () => {
    const out = capture();
    createLogger('revoker-test', out.stream, { pretty: true }).info(
      { token: 's3cr3t-value', source: 'splunk' },
      'hello',
    );
    assert.throws(() => JSON.parse(out.text()), 'not JSON');
    assert.match(out.text(), /INFO.*hello/);
    assert.match(out.text(), /source: "splunk"/);
    assert.doesNotMatch(out.text(), /s3cr3t/);
  });
});
