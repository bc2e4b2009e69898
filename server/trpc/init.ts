import { initTRPC, TRPCError } from "@trpc/server";
import type { Services } from "../services";
import { JobInputError, JobNotFoundError } from "../jobs/queue";

export type TrpcContext = {
  services: Services;
  /** The caller is on this machine (loopback or in-process): required for administrative procedures. */
  isLocal: boolean;
};

const t = initTRPC.context<TrpcContext>().create();

/** Domain errors become the matching tRPC codes, so clients see a 400/404 with the message. */
const mapDomainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof JobNotFoundError) throw new TRPCError({ code: "NOT_FOUND", message: cause.message, cause });
    if (cause instanceof JobInputError) throw new TRPCError({ code: "BAD_REQUEST", message: cause.message, cause });
  }
  return result;
});

export const router = t.router;
export const publicProcedure = t.procedure.use(mapDomainErrors);

/** Procedures that grant access (e.g. minting API tokens) answer only callers on this machine. */
export const localProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.isLocal) throw new TRPCError({ code: "FORBIDDEN", message: "this operation is only allowed from the server's own machine (use the isobar CLI there)" });
  return next();
});
