import * as assert from 'node:assert/strict';
import { formatLogRecord, groupHeader, matchesFilter, parseLogLine } from '../../../src/gitops/controllerLogs.js';

describe('controller log lines', () => {
  const line = JSON.stringify({
    level: 'info',
    ts: '2026-06-25T10:11:12.5Z',
    msg: 'progress: Performing diff',
    controller: 'kluctldeployment',
    name: 'app',
    namespace: 'team',
    reconcileID: '3f1c-aa',
  });

  it('parses the keys the kluctl CLI reads', () => {
    assert.deepEqual(parseLogLine(line), {
      time: new Date('2026-06-25T10:11:12.5Z'),
      level: 'info',
      message: 'progress: Performing diff',
      name: 'app',
      namespace: 'team',
      reconcileId: '3f1c-aa',
      error: undefined,
    });
  });

  it('accepts epoch-seconds timestamps and drops non-JSON lines', () => {
    assert.deepEqual(
      parseLogLine('{"level":"error","ts":1750846272.5,"msg":"boom","error":"x"}')?.time,
      new Date(1750846272500),
    );
    assert.equal(parseLogLine('I1125 klog style line'), undefined);
    assert.equal(parseLogLine('{"no":"msg"}'), undefined);
  });

  it('filters by deployment and reconcile id', () => {
    const record = parseLogLine(line)!;
    assert.ok(matchesFilter(record, { name: 'app', namespace: 'team', reconcileId: '3f1c-aa' }));
    assert.ok(!matchesFilter(record, { name: 'other' }));
    assert.ok(!matchesFilter(record, { reconcileId: 'x' }));
    assert.ok(
      !matchesFilter({ level: 'info', message: 'startup' }, { name: 'app' }),
      'general lines have no deployment',
    );
  });

  it('formats records and group headers', () => {
    const record = parseLogLine(line)!;
    assert.equal(formatLogRecord(record), '2026-06-25T10:11:12.500Z INFO  progress: Performing diff');
    assert.equal(formatLogRecord({ level: 'error', message: 'failed', error: 'bad' }), '- ERROR failed (error: bad)');
    assert.equal(groupHeader(record), 'Showing logs for team/app and reconciliation ID 3f1c-aa');
    assert.equal(groupHeader({ level: 'info', message: 'x' }), 'Showing general controller logs');
  });
});
