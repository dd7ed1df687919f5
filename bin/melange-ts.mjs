#!/usr/bin/env node
// The checkout's entry: the bundle made by `npm ci` (prepare) or `npm run bundle`.
import "../dist/melange-ts.mjs";
