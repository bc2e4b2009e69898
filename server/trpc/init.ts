import { initTRPC, TRPCError } from "@trpc/server";
import type { Services } from "../services";
import { JobInputError, JobNotFoundError } from "../jobs/queue";

export type TrpcContext = { services: Services };

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
