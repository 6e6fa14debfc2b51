// Better Auth 1.7 on the Redis that auth-redis uses: node interop.mjs <redis-url> <key-prefix> <command> [args]
//   write                           signs up a user (session in Redis) and stores a verification value
//   read <token> <userId> <ident>   reads a session, a user's sessions and a verification value
//   revoke <userId>                 revokes every session of a user
// The database is Better Auth's memory adapter: sessions and verification values live in Redis only.
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { redisStorage } from "@better-auth/redis-storage";
import { Redis } from "ioredis";

const [url, keyPrefix, command, ...args] = process.argv.slice(2);
const client = new Redis(url);
const auth = betterAuth({
  secret: "interop-secret-interop-secret-interop-secret",
  baseURL: "http://localhost:3000",
  database: memoryAdapter({ user: [], session: [], account: [], verification: [] }),
  secondaryStorage: redisStorage({ client, keyPrefix }),
  emailAndPassword: { enabled: true },
  logger: { disabled: true },
});
const ctx = await auth.$context;
const out = {};
if (command === "write") {
  const res = await auth.api.signUpEmail({ body: { email: "ts-user@example.com", name: "TS User", password: "password-123456" } });
  out.token = res.token;
  out.userId = res.user.id;
  out.identifier = "email-otp:ts-user@example.com";
  await ctx.internalAdapter.createVerificationValue({ identifier: out.identifier, value: "424242", expiresAt: new Date(Date.now() + 600_000) });
} else if (command === "read") {
  const [token, userId, identifier] = args;
  out.found = await ctx.internalAdapter.findSession(token);
  out.list = await ctx.internalAdapter.listSessions(userId);
  out.verification = await ctx.internalAdapter.findVerificationValue(identifier);
} else if (command === "revoke") {
  await ctx.internalAdapter.deleteUserSessions(args[0]);
  out.revoked = true;
} else {
  throw new Error(`unknown command ${command}`);
}
console.log(JSON.stringify(out));
await client.quit();
