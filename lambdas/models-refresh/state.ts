/**
 * The refresh state in one SSM parameter (a String created by the stack with '{}', next to the lake's
 * other per-stage parameters): the models fingerprint, the identity watermark and an unfinished
 * refresh. A few hundred bytes, well inside a standard parameter's 4 KB.
 */
import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { parseState, type RefreshState } from './plan.js';
import type { StateStore } from './refresh.js';

export function ssmStateStore(client: SSMClient, name: string): StateStore {
  return {
    async read() {
      try {
        const out = await client.send(new GetParameterCommand({ Name: name }));
        return parseState(out.Parameter?.Value);
      } catch (err) {
        // No parameter yet (a stack created before it, or a hand-made one deleted): no state, full rebuild.
        if ((err as { name?: string }).name === 'ParameterNotFound') return parseState(undefined);
        throw err;
      }
    },
    async write(state: RefreshState) {
      await client.send(new PutParameterCommand({ Name: name, Value: JSON.stringify(state), Type: 'String', Overwrite: true }));
    },
  };
}
