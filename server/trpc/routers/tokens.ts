import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { createToken, listTokens, revokeToken, TokenError } from "../../tracking/tokens";
import { localProcedure, router } from "../init";

async function asBadRequest<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof TokenError) throw new TRPCError({ code: "BAD_REQUEST", message: err.message });
    throw err;
  }
}

/** API tokens for the MLflow-compatible API (ISOBAR_AUTH=on). Local callers only. */
export const tokensRouter = router({
  create: localProcedure
    .input(z.object({ name: z.string().min(1).max(100), role: z.enum(["reader", "writer"]) }))
    .mutation(({ ctx, input }) => asBadRequest(() => createToken(ctx.services.storage.db, input.name, input.role))),
  list: localProcedure.query(({ ctx }) => listTokens(ctx.services.storage.db)),
  revoke: localProcedure
    .input(z.object({ idOrName: z.string().min(1) }))
    .mutation(({ ctx, input }) => asBadRequest(() => revokeToken(ctx.services.storage.db, input.idOrName)).then(() => ({ revoked: input.idOrName }))),
});
