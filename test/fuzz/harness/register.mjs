// `node --import ./register.mjs entry.ts`: installs the SWC hooks before the entry loads.
import { register } from 'node:module';

register('./swc-loader.mjs', import.meta.url);
