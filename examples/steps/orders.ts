/**
 * Step handlers of the orders ETL example. They stand in for real systems: orders are generated from a
 * seed, "loading" appends to a JSON file under `.data/warehouse/`, and unloading removes the batch again.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { defineStep, StepError } from '../../src/activities/index.js';

const Order = z.object({ id: z.string(), customer: z.string(), amount: z.number() });
type Order = z.infer<typeof Order>;

export const extractOrders = defineStep({
  name: 'orders.extract',
  description: 'Reads the day’s orders from the (simulated) shop database',
  input: z.object({ day: z.string(), count: z.number().int().min(0).max(10_000).default(20) }),
  async run({ day, count }, ctx) {
    const orders: Order[] = [];
    for (let i = 0; i < count; i++) {
      orders.push({
        id: `${day}-${i}`,
        customer: `customer-${(i * 7) % 13}`,
        amount: ((i * 37) % 100) + 0.99,
      });
      if (i % 5 === 4) ctx.reportProgress((100 * (i + 1)) / count, `read ${i + 1} of ${count} orders`);
    }
    await ctx.sleep(200);
    return { day, orders, count: orders.length };
  },
});

export const enrichOrder = defineStep({
  name: 'orders.enrich',
  description: 'Looks up one order’s customer (one call per order)',
  input: z.object({ order: Order, delayMs: z.number().int().min(0).default(100) }),
  async run({ order, delayMs }, ctx) {
    await ctx.sleep(delayMs);
    if (order.customer === 'customer-unknown')
      throw new StepError(`customer of ${order.id} not found`, { category: 'not_found' });
    return { ...order, segment: order.amount > 50 ? 'gold' : 'standard' };
  },
});

export const summarize = defineStep({
  name: 'orders.summarize',
  input: z.object({ orders: z.array(Order.extend({ segment: z.string() }).nullable()) }),
  run({ orders }) {
    const rows = orders.filter((o): o is NonNullable<typeof o> => o !== null);
    const total = rows.reduce((sum, o) => sum + o.amount, 0);
    return {
      count: rows.length,
      total: Math.round(total * 100) / 100,
      gold: rows.filter((o) => o.segment === 'gold').length,
    };
  },
});

const warehouseDir = () => path.resolve(process.env.STEPLINE_EXAMPLE_DATA ?? '.data/warehouse');

export const loadWarehouse = defineStep({
  name: 'orders.load',
  description: 'Appends the day’s summary to the warehouse (a JSON file)',
  input: z.object({
    day: z.string(),
    summary: z.object({ count: z.number(), total: z.number(), gold: z.number() }),
  }),
  run({ day, summary }, ctx) {
    mkdirSync(warehouseDir(), { recursive: true });
    const file = path.join(warehouseDir(), `${day}.json`);
    writeFileSync(file, JSON.stringify({ day, summary, loadedBy: ctx.idempotencyKey }, null, 2));
    return { location: file, rows: summary.count };
  },
});

export const unloadWarehouse = defineStep({
  name: 'orders.unload',
  description: 'Compensation of orders.load: marks the batch as rolled back',
  input: z.object({ location: z.string() }),
  run({ location }) {
    const batch = JSON.parse(readFileSync(location, 'utf8')) as Record<string, unknown>;
    writeFileSync(location, JSON.stringify({ ...batch, rolledBack: true }, null, 2));
    return { location, rolledBack: true };
  },
});

export default [extractOrders, enrichOrder, summarize, loadWarehouse, unloadWarehouse];
