/**
 * Distributed Map states on aws-local-stepfunctions 3.0.0, which has none: no ItemReader, ItemBatcher, ResultWriter
 * or Distributed mode (docs/LOCAL.md, "Distributed Map"). Before the engine sees the definition, each Distributed
 * Map state becomes a Task state of the same name, input and output processing, whose local handler runs the Map
 * Run (local/map-run.ts): it lists the ItemReader's objects, batches them as ItemBatcher does, runs each batch as a
 * child execution of the ItemProcessor on the engine (its Task, Retry, TimeoutSeconds unchanged), and writes the
 * ResultWriter's files. The engine itself evaluates the ItemReader, BatchInput and ResultWriter payload templates
 * against the state's input: they are the replacement Task's Parameters.
 *
 * What is emulated, and only that (anything else in a Distributed Map is refused at load time, not run wrongly):
 * ItemReader `arn:aws:states:::s3:listObjectsV2` (Bucket, Prefix), ItemBatcher (MaxItemsPerBatch, BatchInput),
 * MaxConcurrency, ToleratedFailurePercentage/Count 0 (the default), ResultWriter `arn:aws:states:::s3:putObject`
 * (Bucket, Prefix), Label, InputPath, ResultSelector, ResultPath, OutputPath, Retry, Catch, Next/End.
 */

/** The replacement Task's Resource: no AWS ARN, so nothing can mistake it for a real integration. */
export const MAP_RUN_RESOURCE = 'arn:aws:states:::local:distributedMap';

/**
 * The replacement Task's TimeoutSeconds. AWS puts no timeout on a Map state; the engine gives every Task 60 s by
 * default and arms a setTimeout, whose longest delay is 2^31-1 ms (a longer one fires at once): about 24.8 days.
 */
const MAP_RUN_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** What the Map Run handler needs of one Distributed Map state. */
export interface DistributedMapPlan {
  stateName: string;
  /** The Map Run's and the children's label: `mapRun:<machine>/<label>:<id>`, `execution:<machine>/<label>:<name>`. */
  label: string;
  /** The ItemProcessor as a state machine of its own (ProcessorConfig removed): what each child runs. */
  child: { StartAt: string; States: Record<string, unknown>; Comment?: string };
  maxItemsPerBatch?: number;
  /** Distributed Map's MaxConcurrency; 0 or absent: AWS runs up to 10,000 children at once, locally 40. */
  maxConcurrency: number;
  writesResults: boolean;
}

/** The Parameters the replacement Task is given: the engine resolves their paths against the state's input. */
export interface MapRunParameters {
  ItemReader: { Bucket: string; Prefix?: string };
  BatchInput?: Record<string, unknown>;
  ResultWriter?: { Bucket: string; Prefix?: string };
}

type MapState = Record<string, any>;

const LOCAL_DEFAULT_CONCURRENCY = 40;
// Fields of a Map state the replacement Task keeps as they are: the engine applies them to a Task the same way.
const KEPT = ['Comment', 'InputPath', 'ResultSelector', 'ResultPath', 'OutputPath', 'Retry', 'Catch', 'Next', 'End'];
const EMULATED = new Set([...KEPT, 'Type', 'Label', 'ItemReader', 'ItemBatcher', 'ItemProcessor', 'MaxConcurrency', 'ToleratedFailurePercentage', 'ToleratedFailureCount', 'ResultWriter']);

/**
 * Replaces each top-level Distributed Map state of `definition` (the copy the engine runs) by its Map Run Task and
 * returns what its handler needs. Refuses what the emulation does not do, naming the field.
 */
export function emulateDistributedMaps(definition: { States: Record<string, unknown> }, definitionPath: string): DistributedMapPlan[] {
  const plans: DistributedMapPlan[] = [];
  for (const [name, value] of Object.entries(definition.States)) {
    const state = value as MapState;
    if (!isDistributed(state)) {
      refuseNested(nestedMachines(state), `${definitionPath}: state ${name}`);
      continue;
    }
    const fail = (what: string) => new Error(`${definitionPath}: Distributed Map ${name}: ${what} is not emulated by the local runner (docs/LOCAL.md, "Distributed Map")`);
    const plan = planOf(name, state, fail);
    definition.States[name] = replacementTask(state);
    plans.push(plan);
  }
  return plans;
}

function planOf(name: string, state: MapState, fail: (what: string) => Error): DistributedMapPlan {
  const unknown = Object.keys(state).filter((key) => !EMULATED.has(key));
  if (unknown.length) throw fail(unknown.join(', '));
  const reader = state.ItemReader;
  if (reader?.Resource !== 'arn:aws:states:::s3:listObjectsV2') throw fail(`ItemReader ${reader ? String(reader.Resource) : '(none)'}`);
  if (reader.ReaderConfig) throw fail('ItemReader.ReaderConfig');
  checkKeys(reader.Parameters, ['Bucket', 'Prefix'], 'ItemReader.Parameters', fail);
  const batcher = state.ItemBatcher;
  if (batcher) {
    checkKeys(batcher, ['MaxItemsPerBatch', 'BatchInput'], 'ItemBatcher', fail);
    if (!Number.isInteger(batcher.MaxItemsPerBatch) || batcher.MaxItemsPerBatch < 1) throw fail('an ItemBatcher without MaxItemsPerBatch');
  }
  if ((state.ToleratedFailurePercentage ?? 0) !== 0 || (state.ToleratedFailureCount ?? 0) !== 0) throw fail('a tolerated failure threshold above 0');
  const writer = state.ResultWriter;
  if (writer) {
    if (writer.Resource !== 'arn:aws:states:::s3:putObject' || writer.WriterConfig) throw fail('this ResultWriter (only s3:putObject, no WriterConfig)');
    checkKeys(writer.Parameters, ['Bucket', 'Prefix'], 'ResultWriter.Parameters', fail);
  }
  const { ProcessorConfig: _config, ...child } = state.ItemProcessor as MapState;
  refuseNested([child], `Distributed Map ${name}'s ItemProcessor`);
  return {
    stateName: name,
    label: typeof state.Label === 'string' && state.Label ? state.Label : name,
    child: child as DistributedMapPlan['child'],
    ...(batcher ? { maxItemsPerBatch: batcher.MaxItemsPerBatch as number } : {}),
    maxConcurrency: Number.isInteger(state.MaxConcurrency) && state.MaxConcurrency > 0 ? state.MaxConcurrency : LOCAL_DEFAULT_CONCURRENCY,
    writesResults: Boolean(writer),
  };
}

function checkKeys(value: unknown, allowed: string[], what: string, fail: (what: string) => Error): void {
  if (value === undefined) return;
  const extra = Object.keys(value as object).filter((key) => !allowed.includes(key.replace(/\.\$$/, '')));
  if (extra.length) throw fail(`${what} ${extra.join(', ')}`);
}

const isDistributed = (state: MapState) => state.Type === 'Map' && state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED';
const nestedMachines = (state: MapState): MapState[] => [state.ItemProcessor ?? state.Iterator, ...(state.Branches ?? [])].filter(Boolean);

/** A Distributed Map anywhere but at the top level (inside a Map, a Parallel branch or a child) is refused. */
function refuseNested(machines: MapState[], where: string): void {
  for (const machine of machines) {
    for (const [name, state] of Object.entries((machine.States ?? {}) as Record<string, MapState>)) {
      if (isDistributed(state)) throw new Error(`${where}: the nested Distributed Map ${name} is not emulated by the local runner (only top-level ones are)`);
      refuseNested(nestedMachines(state), where);
    }
  }
}

function replacementTask(state: MapState): Record<string, unknown> {
  const kept = Object.fromEntries(KEPT.filter((key) => key in state).map((key) => [key, state[key]]));
  const parameters: Record<string, unknown> = { ItemReader: state.ItemReader.Parameters ?? {} };
  if (state.ItemBatcher?.BatchInput) parameters.BatchInput = state.ItemBatcher.BatchInput;
  if (state.ResultWriter) parameters.ResultWriter = state.ResultWriter.Parameters ?? {};
  return { Type: 'Task', Resource: MAP_RUN_RESOURCE, Parameters: parameters, TimeoutSeconds: MAP_RUN_TIMEOUT_SECONDS, ...kept };
}
