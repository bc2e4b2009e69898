#!/usr/bin/env node
// Entry point of the `isobar` command. The CLI is written in TypeScript and shares lib/ and
// server/ with the web app; tsx compiles it on the fly so there is no separate build step.
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
const { main } = await import("./main.ts");
await main(process.argv);
