// `npm run build`: next build, then stamp the sources it was made from so that `isobar serve`
// knows the build is current (it rebuilds by itself when the stamp does not match).
import { register } from "tsx/esm/api";
import { fileURLToPath } from "node:url";

register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
const { buildNextApp } = await import("../server/http/next-app.ts");
await buildNextApp();
