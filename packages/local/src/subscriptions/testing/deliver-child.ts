/**
 * A deliverer in its own process, for the restart test: `node --import tsx deliver-child.ts
 * <db file> <subscription json> <secret>`. The test kills it (SIGKILL) mid-delivery.
 */
import { subscriptionSchema } from '@ohlcv/core';
import { openStateDb } from '../../state-db.ts';
import { SubscriptionDeliverer } from '../deliverer.ts';
import { SubscriptionStore } from '../subscription-store.ts';

const [dbFile, subscriptionJson, secret] = process.argv.slice(2);
const subscription = subscriptionSchema.parse(JSON.parse(String(subscriptionJson)));
const store = new SubscriptionStore(openStateDb(String(dbFile)));
const deliverer = new SubscriptionDeliverer({ store, subscriptions: [subscription], secret: () => secret });
const pass = await deliverer.runOnce();
process.stdout.write(`${JSON.stringify(pass)}\n`);
