/**
 * The test agents of the simulator's Workspace API front, as configured (`workspaceAgents`, or
 * `sim --workspace-agents FILE`): who can sign in, as which agent, and which places (and their
 * DNs) the agent may activate.
 */
import { z } from 'zod';
import { dnProblem } from '../tlib/codec.ts';

const dn = z.string().refine((v) => dnProblem(v) === undefined, { message: 'expected a DN' });

export const agentSchema = z
  .object({
    agentId: z.string().min(1),
    username: z.string().min(1),
    password: z.string().min(1),
    /** Place name -> the DNs of that place. */
    places: z.record(z.string().min(1), z.array(dn).min(1)),
  })
  .strict();

export const agentsSchema = z.array(agentSchema).min(1);

export type WorkspaceAgent = z.infer<typeof agentSchema>;
