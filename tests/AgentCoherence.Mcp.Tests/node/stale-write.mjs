// Drives coherence-mcp with the official MCP TypeScript SDK client over stdio: two agents share
// plans/plan.md; the planner's write from a stale view is refused with structured content, and the
// planner recovers with reacquire. Usage: node stale-write.mjs <command> [args...]
// (for example: node stale-write.mjs dotnet AgentCoherence.Mcp.dll --root /tmp/space --managed 'plans/**').
// Prints one "ok" line per step and exits 0, or prints the failure and exits 1.
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error("usage: node stale-write.mjs <server command> [args...]");
  process.exit(2);
}

const transport = new StdioClientTransport({ command, args, stderr: "inherit" });
const client = new Client({ name: "agentcoherence-node-scenario", version: "1.0.0" });
const path = "plans/plan.md";

async function call(name, args) {
  return client.callTool({ name, arguments: args });
}

async function ok(name, args) {
  const result = await call(name, args);
  assert.notEqual(result.isError, true, `${name} failed: ${JSON.stringify(result)}`);
  return result.structuredContent;
}

try {
  await client.connect(transport);
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), ["adopt", "publish", "reacquire", "read", "status", "write", "write_cas"]);
  console.log("ok tools listed");

  await ok("write", { agent: "planner", path, content: "1. research\n" });
  const planner = await ok("read", { agent: "planner", path });
  const reviewer = await ok("read", { agent: "reviewer", path });
  assert.equal(planner.version, 1);
  assert.equal(reviewer.version, 1);
  console.log("ok both agents read v1");

  const reviewed = await ok("write", { agent: "reviewer", path, content: reviewer.content + "2. review\n" });
  assert.equal(reviewed.version, 2);
  console.log("ok reviewer wrote v2");

  const refused = await call("write", { agent: "planner", path, content: planner.content + "2. build\n" });
  assert.equal(refused.isError, true);
  assert.equal(refused.structuredContent.reason, "stale_view");
  assert.equal(refused.structuredContent.current_version, 2);
  assert.equal(refused.structuredContent.expected_version, 1);
  assert.equal(refused.structuredContent.retryable, true);
  assert.equal(refused.structuredContent.next_action, "reacquire");
  assert.equal(refused.structuredContent.agent, "planner");
  assert.equal(refused.structuredContent.path, path);
  assert.match(refused.content[0].text, /stale_view/);
  console.log("ok planner's stale write refused: " + JSON.stringify(refused.structuredContent));

  const fresh = await ok("reacquire", { agent: "planner", path });
  assert.equal(fresh.version, 2);
  const merged = await ok("write", { agent: "planner", path, content: fresh.content + "3. build\n" });
  assert.equal(merged.version, 3);
  console.log("ok planner reacquired v2 and wrote v3");

  const conflict = await call("write_cas", { agent: "reviewer", path, content: "from v2", expected_version: 2 });
  assert.equal(conflict.isError, true);
  assert.equal(conflict.structuredContent.reason, "version_conflict");
  assert.equal(conflict.structuredContent.current_version, 3);
  assert.equal(conflict.structuredContent.next_action, "merge");
  console.log("ok reviewer's compare-and-set from v2 refused with version_conflict");

  const final = await ok("read", { agent: "reviewer", path });
  assert.equal(final.content, "1. research\n2. review\n3. build\n");
  console.log("ok both edits survive");
  console.log("scenario passed");
} catch (error) {
  console.error("scenario failed:", error);
  process.exitCode = 1;
} finally {
  await client.close();
}
