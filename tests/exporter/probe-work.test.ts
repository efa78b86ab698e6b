/**
 * The work after the fetch (reading the document, rendering the answer) is inside the probe's
 * deadline and gives the event loop back between slices, so one big document neither outlives
 * its scrape nor holds up other scrapes and /-/healthy. Deterministic: the deadline is already
 * past, the scrape already cancelled, or every slice is 0 ms long.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { renderProbe } from '../../exporters/pool-exporter/src/exposition.ts';
import { readPoolHealth, type PoolHealthDocument } from '../../exporters/pool-exporter/src/pool-document.ts';
import { OutOfTime, WorkBudget, WorkQueue } from '../../exporters/pool-exporter/src/work-budget.ts';

const POOLS = 6_400;
const body = JSON.stringify({
  status: 'healthy',
  services: Object.fromEntries(
    Array.from({ length: POOLS }, (_, i) => [`pool-${i}`, { ready_connections: 3, idle_connections: 1, connecting: 0, failed_connections: 0, shutdown: 0, total_connections: 4, status: 'healthy' }]),
  ),
});
const readDoc = async (): Promise<PoolHealthDocument> => {
  const parsed = await readPoolHealth(body);
  assert.ok(parsed.ok);
  return parsed.doc;
};

describe('probe work after the fetch', () => {
  it('stops reading and rendering once the deadline has passed (reason timeout)', async () => {
    const past = new WorkBudget(performance.now() - 1);
    await assert.rejects(readPoolHealth(body, past), (err: unknown) => err instanceof OutOfTime && /deadline/.test(err.message));
    const doc = await readDoc();
    await assert.rejects(renderProbe({ success: true, durationSeconds: 0, httpStatus: 200, doc }, new WorkBudget(performance.now() - 1)), OutOfTime);
  });

  it('stops when the scrape is cancelled', async () => {
    const cancelled = new AbortController();
    cancelled.abort();
    await assert.rejects(readPoolHealth(body, new WorkBudget(Number.POSITIVE_INFINITY, cancelled.signal)), /cancelled/);
  });

  it('gives the event loop back between slices while reading and rendering', async () => {
    let turns = 0;
    let running = true;
    const spin = (): void => {
      turns++;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    const parsed = await readPoolHealth(body, new WorkBudget(Number.POSITIVE_INFINITY, undefined, 0));
    const afterRead = turns;
    assert.ok(parsed.ok);
    const text = await renderProbe({ success: true, durationSeconds: 0, httpStatus: 200, doc: parsed.doc }, new WorkBudget(Number.POSITIVE_INFINITY, undefined, 0));
    running = false;
    // One checkpoint per 64 pools: 100 while reading, 4 passes of 100 while rendering.
    assert.ok(afterRead >= POOLS / 64, `other callbacks ran ${afterRead} times while ${POOLS} pools were read`);
    assert.ok(turns - afterRead >= (4 * POOLS) / 64, `other callbacks ran ${turns - afterRead} times while they were rendered`);
    assert.equal(text.toString('utf8').split('\n').filter((l) => l.startsWith('grpc_pool_size{')).length, POOLS);
  });

  describe('the queue for big documents', () => {
    /** Work that runs until the test lets it finish. */
    const held = () => {
      let release = (): void => {};
      const done = new Promise<void>((resolve) => (release = resolve));
      return { release, work: async () => done };
    };

    it('works on big documents one at a time, in arrival order; small ones do not wait', async () => {
      const queue = new WorkQueue(1_000);
      const order: string[] = [];
      const first = held();
      const a = queue.run(5_000, WorkBudget.unlimited(), async () => {
        order.push('a starts');
        await first.work();
        order.push('a ends');
      });
      const b = queue.run(5_000, WorkBudget.unlimited(), async () => void order.push('b starts'));
      const c = queue.run(5_000, WorkBudget.unlimited(), async () => void order.push('c starts'));
      await new Promise(setImmediate);
      assert.deepEqual(order, ['a starts']);
      const small = await queue.run(10, WorkBudget.unlimited(), async () => {
        order.push('small');
        return 'small done';
      });
      assert.equal(small, 'small done', 'a small document is worked on while a big one holds the queue');
      assert.equal(queue.length, 2);
      first.release();
      await Promise.all([a, b, c]);
      assert.deepEqual(order, ['a starts', 'small', 'a ends', 'b starts', 'c starts']);
    });

    it('a probe waiting for its turn leaves at its deadline or cancellation (OutOfTime)', async () => {
      const queue = new WorkQueue(1_000);
      const first = held();
      const running = queue.run(5_000, WorkBudget.unlimited(), first.work);
      let ran = false;
      const late = queue.run(5_000, new WorkBudget(performance.now() + 20), async () => void (ran = true));
      await assert.rejects(late, (err: unknown) => err instanceof OutOfTime && /waited for its turn/.test(err.message));
      const cancel = new AbortController();
      const cancelled = queue.run(5_000, new WorkBudget(Number.POSITIVE_INFINITY, cancel.signal), async () => void (ran = true));
      cancel.abort();
      await assert.rejects(cancelled, /cancelled/);
      assert.equal(queue.length, 0, 'both left the line');
      first.release();
      await running;
      assert.equal(ran, false);
      assert.equal(await queue.run(5_000, WorkBudget.unlimited(), async () => 'next'), 'next', 'the queue is free again');
    });
  });
});
