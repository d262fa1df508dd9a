// Runs coherence-mcp under the OpenAI Agents SDK (@openai/agents) the way an application does: MCPServerStdio
// spawns the server, an Agent gets its tools, and Runner drives the turns. The model is scripted (no network,
// no API key): its first turn calls write_cas from a stale version, its second turn records the input the SDK
// gave it (which carries the tool's refusal) and answers. What the model saw is what matters: the SDK passes an
// error result's text content to the model, not its structuredContent.
// Usage: node agents-sdk-refusal.mjs <server command> [args...]
// Prints "seed ..." lines, then one "model-input <json>" line with every tool result the model received on its
// second turn, then "agents-sdk run finished"; exits 1 on failure.
import { Agent, MCPServerStdio, Runner, Usage, setTracingDisabled } from "@openai/agents";

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error("usage: node agents-sdk-refusal.mjs <server command> [args...]");
  process.exit(2);
}

setTracingDisabled(true);

const path = "plans/plan.md";

/** A Model that plays two scripted turns and keeps what it was given. */
class ScriptedModel {
  constructor() {
    this.inputs = [];
  }

  async getResponse(request) {
    this.inputs.push(request.input);
    const usage = new Usage();
    if (this.inputs.length === 1) {
      return {
        usage,
        output: [
          {
            type: "function_call",
            callId: "call_stale_cas",
            name: "write_cas",
            arguments: JSON.stringify({ agent: "writer", path, content: "derived from v1\n", expected_version: 1 }),
            status: "completed",
          },
        ],
      };
    }

    return {
      usage,
      output: [
        {
          type: "message",
          role: "assistant",
          status: "completed",
          content: [{ type: "output_text", text: "The write was refused; I will re-read and merge." }],
        },
      ],
    };
  }

  // eslint-disable-next-line require-yield
  async *getStreamedResponse() {
    throw new Error("the scripted model does not stream");
  }
}

const server = new MCPServerStdio({ name: "coherence", command, args, cacheToolsList: true });
const model = new ScriptedModel();
let failed = false;
try {
  await server.connect();

  // Seed through the same server: the file is at v2 when the model's stale compare-and-set arrives.
  for (const content of ["v1\n", "v2\n"]) {
    const seeded = await server.callToolResult("write", { agent: "seeder", path, content });
    if (seeded.isError) {
      throw new Error("seeding failed: " + JSON.stringify(seeded));
    }
    console.log("seed " + JSON.stringify(seeded.structuredContent));
  }

  const agent = new Agent({
    name: "editor",
    instructions: "Edit plans/plan.md through the coherence tools.",
    model,
    mcpServers: [server],
  });
  const result = await new Runner({ tracingDisabled: true }).run(agent, "Append a line to plans/plan.md.", { maxTurns: 4 });

  if (model.inputs.length !== 2) {
    throw new Error(`the model was called ${model.inputs.length} times, expected 2`);
  }

  const second = model.inputs[1];
  const toolResults = Array.isArray(second) ? second.filter((item) => item.type === "function_call_result") : [];
  console.log("model-input " + JSON.stringify(toolResults));
  console.log("final " + JSON.stringify(result.finalOutput));
  console.log("agents-sdk run finished");
} catch (error) {
  failed = true;
  console.error("agents-sdk run failed:", error);
} finally {
  await server.close();
  process.exitCode = failed ? 1 : 0;
}
