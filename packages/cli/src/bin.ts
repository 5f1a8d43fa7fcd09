/** The entry of the bundled `ohlcv` bin (see scripts/build-bin.mjs). */
import { runCli } from './main.ts';

runCli();
