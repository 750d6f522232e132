interface Clearable {
  clear(): void;
}

export interface SeededEngineOptions<Seed, State, Faults, Mutations> {
  readonly seed: Seed;
  /** Load state from here if it exists, and rewrite it on every persist(). */
  readonly stateFile?: string;
  /** Simulated clock; defaults to the wall clock. */
  readonly now?: () => Date;
  readonly faults: Faults;
  readonly mutations: Mutations;
  readonly fromSeed: (seed: Seed) => State;
  readonly load: (path: string) => State | undefined;
  readonly save: (path: string, state: State) => void;
}

/**
 * The lifecycle shared by simulators whose whole state is rebuilt from a seed: restore from the state file or
 * seed, reset, persist. Entra keeps its own, since its state file also carries a signing key that survives reset.
 */
export class SeededEngine<Seed, State, Faults extends Clearable, Mutations extends Clearable> {
  readonly faults: Faults;
  readonly mutations: Mutations;
  readonly now: () => Date;
  private current: State;
  private readonly baseline: Seed;
  private readonly stateFile: string | undefined;
  private readonly fromSeed: (seed: Seed) => State;
  private readonly save: (path: string, state: State) => void;

  constructor(options: SeededEngineOptions<Seed, State, Faults, Mutations>) {
    this.faults = options.faults;
    this.mutations = options.mutations;
    this.baseline = options.seed;
    this.stateFile = options.stateFile;
    this.fromSeed = options.fromSeed;
    this.save = options.save;
    this.now = options.now ?? (() => new Date());
    this.current =
      (this.stateFile === undefined ? undefined : options.load(this.stateFile)) ?? options.fromSeed(options.seed);
    this.persist();
  }

  get state(): State {
    return this.current;
  }

  /** Restores the seed (the one given, else the original), and forgets mutations and faults. */
  reset(seed?: Seed): void {
    this.current = this.fromSeed(seed ?? this.baseline);
    this.faults.clear();
    this.mutations.clear();
    this.persist();
  }

  persist(): void {
    if (this.stateFile !== undefined) this.save(this.stateFile, this.current);
  }
}
