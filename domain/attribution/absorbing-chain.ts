/**
 * A solver for absorbing Markov chains, computed exactly.
 *
 * The transient states 0..size-1 have transition probabilities between them (CSR rows of Q); what a
 * row lacks to sum to 1 leaves to absorbing states. For one target absorbing state it solves, per
 * transient state,
 *   h = Q h + absorb   (h: probability of ending in the target; absorb: one-step probability into it)
 *   g = Q g + reward   (g: expected reward collected on absorption; reward: its one-step expectation)
 * optionally with some states removed: they are pinned to 0, so a walk entering one is lost.
 * Two methods: dense Gaussian elimination for small systems, Gauss-Seidel for large ones (warm-startable,
 * and restrictable to the states a removal can change, found with `Ancestors`). Pure: no I/O.
 */

/** Q as CSR rows plus the two right-hand sides. */
export interface AbsorbingSystem {
  size: number;
  rowPtr: Int32Array;
  col: Int32Array;
  prob: Float64Array;
  /** One-step probability of entering the target absorbing state. */
  absorb: Float64Array;
  /** One-step expected reward on absorption. */
  reward: Float64Array;
}

/** A system renumbered by `sweepOrdered`. */
export interface OrderedSystem extends AbsorbingSystem {
  /** original state -> system index */
  id: Int32Array;
  /** system index of the root state */
  root: number;
}

export interface AbsorbingSolution {
  /** Probability of ending in the target, per system index. */
  h: Float64Array;
  /** Expected reward, per system index. */
  g: Float64Array;
  /** Gauss-Seidel sweeps used (0 for dense). */
  iterations: number;
}

/** Raised by `solveIterative` when the tolerance is not reached within the iteration limit. */
export class AbsorbingChainNotConvergedError extends Error {
  constructor(
    readonly tolerance: number,
    readonly maxIterations: number,
  ) {
    super(`absorbing chain solver did not converge to ${tolerance} in ${maxIterations} iterations`);
    this.name = 'AbsorbingChainNotConvergedError';
  }
}

/**
 * Renumbers the states into Gauss-Seidel order: reverse BFS from `root` (successors before
 * predecessors), so a sweep walks the arrays front to back. States unreachable from the root go first.
 */
export function sweepOrdered(sys: AbsorbingSystem, root: number): OrderedSystem {
  const S = sys.size;
  const seen = new Uint8Array(S);
  const bfs: number[] = [root];
  seen[root] = 1;
  for (let q = 0; q < bfs.length; q++) {
    const s = bfs[q]!;
    for (let e = sys.rowPtr[s]!; e < sys.rowPtr[s + 1]!; e++) {
      const t2 = sys.col[e]!;
      if (!seen[t2]) {
        seen[t2] = 1;
        bfs.push(t2);
      }
    }
  }
  const sweep = new Int32Array(S);
  let p = 0;
  for (let s = 0; s < S; s++) if (!seen[s]) sweep[p++] = s;
  for (let q = bfs.length - 1; q >= 0; q--) sweep[p++] = bfs[q]!;
  const id = new Int32Array(S);
  for (let q = 0; q < S; q++) id[sweep[q]!] = q;
  // permute rows and columns
  const rowPtr = new Int32Array(S + 1);
  const col = new Int32Array(sys.col.length);
  const prob = new Float64Array(sys.col.length);
  const absorb = new Float64Array(S);
  const reward = new Float64Array(S);
  let e2 = 0;
  for (let q = 0; q < S; q++) {
    const s = sweep[q]!;
    for (let e = sys.rowPtr[s]!; e < sys.rowPtr[s + 1]!; e++) {
      col[e2] = id[sys.col[e]!]!;
      prob[e2++] = sys.prob[e]!;
    }
    rowPtr[q + 1] = e2;
    absorb[q] = sys.absorb[s]!;
    reward[q] = sys.reward[s]!;
  }
  return { size: S, rowPtr, col, prob, absorb, reward, id, root: id[root]! };
}

/** Dense Gaussian elimination with partial pivoting on (I - Q) over the kept states. */
export function solveDense(sys: AbsorbingSystem, removed: Uint8Array | undefined): AbsorbingSolution {
  const kept: number[] = [];
  const idx = new Int32Array(sys.size).fill(-1);
  for (let s = 0; s < sys.size; s++) {
    if (removed?.[s]) continue;
    idx[s] = kept.length;
    kept.push(s);
  }
  const m = kept.length;
  const A = new Float64Array(m * m);
  const b = new Float64Array(m * 2);
  for (let i = 0; i < m; i++) {
    const s = kept[i]!;
    A[i * m + i] = 1;
    for (let e = sys.rowPtr[s]!; e < sys.rowPtr[s + 1]!; e++) {
      const j = idx[sys.col[e]!]!;
      if (j >= 0) A[i * m + j]! -= sys.prob[e]!;
    }
    b[i * 2] = sys.absorb[s]!;
    b[i * 2 + 1] = sys.reward[s]!;
  }
  for (let k = 0; k < m; k++) {
    let piv = k;
    let best = Math.abs(A[k * m + k]!);
    for (let i = k + 1; i < m; i++) {
      const v = Math.abs(A[i * m + k]!);
      if (v > best) {
        best = v;
        piv = i;
      }
    }
    if (best === 0) throw new Error('singular absorbing system (a state cannot reach an absorbing state)');
    if (piv !== k) {
      for (let j = 0; j < m; j++) {
        const tmp = A[k * m + j]!;
        A[k * m + j] = A[piv * m + j]!;
        A[piv * m + j] = tmp;
      }
      for (let j = 0; j < 2; j++) {
        const tmp = b[k * 2 + j]!;
        b[k * 2 + j] = b[piv * 2 + j]!;
        b[piv * 2 + j] = tmp;
      }
    }
    const akk = A[k * m + k]!;
    for (let i = k + 1; i < m; i++) {
      const f = A[i * m + k]! / akk;
      if (f === 0) continue;
      for (let j = k; j < m; j++) A[i * m + j]! -= f * A[k * m + j]!;
      b[i * 2]! -= f * b[k * 2]!;
      b[i * 2 + 1]! -= f * b[k * 2 + 1]!;
    }
  }
  const h = new Float64Array(sys.size);
  const g = new Float64Array(sys.size);
  const x = new Float64Array(m * 2);
  for (let i = m - 1; i >= 0; i--) {
    let s0 = b[i * 2]!;
    let s1 = b[i * 2 + 1]!;
    for (let j = i + 1; j < m; j++) {
      s0 -= A[i * m + j]! * x[j * 2]!;
      s1 -= A[i * m + j]! * x[j * 2 + 1]!;
    }
    x[i * 2] = s0 / A[i * m + i]!;
    x[i * 2 + 1] = s1 / A[i * m + i]!;
  }
  for (let i = 0; i < m; i++) {
    h[kept[i]!] = x[i * 2]!;
    g[kept[i]!] = x[i * 2 + 1]!;
  }
  return { h, g, iterations: 0 };
}

/**
 * Gauss-Seidel on h = Q h + absorb and g = Q g + reward, removed states pinned at 0. Stops when the
 * update is below tol AND the geometric tail estimate delta * rho / (1 - rho) is below tol, so a slowly
 * contracting chain cannot stop early on a small step.
 */
export function solveIterative(
  sys: AbsorbingSystem,
  removed: Uint8Array | undefined,
  tol: number,
  maxIt: number,
  warm?: AbsorbingSolution,
  /** Only these states (ascending) can change: the others keep their warm-start values. */
  active?: Int32Array,
): AbsorbingSolution {
  const S = sys.size;
  // h and g interleaved: one cache line serves both right-hand sides
  const x = new Float64Array(2 * S);
  if (warm) {
    for (let s = 0; s < S; s++) {
      x[2 * s] = warm.h[s]!;
      x[2 * s + 1] = warm.g[s]!;
    }
  }
  if (removed) {
    for (let s = 0; s < S; s++) {
      if (removed[s]) {
        x[2 * s] = 0;
        x[2 * s + 1] = 0;
      }
    }
  }
  const { rowPtr, col, prob, absorb, reward } = sys;
  let prevDelta = Infinity;
  const n = active ? active.length : S;
  for (let it = 1; it <= maxIt; it++) {
    let delta = 0;
    for (let q = 0; q < n; q++) {
      const s = active ? active[q]! : q;
      if (removed !== undefined && removed[s] === 1) continue;
      let a = absorb[s]!;
      let b = reward[s]!;
      const end = rowPtr[s + 1]!;
      for (let e = rowPtr[s]!; e < end; e++) {
        const p = prob[e]!;
        const t2 = col[e]! << 1;
        a += p * x[t2]!;
        b += p * x[t2 + 1]!;
      }
      const da = Math.abs(a - x[2 * s]!);
      const db = Math.abs(b - x[2 * s + 1]!);
      if (da > delta) delta = da;
      if (db > delta) delta = db;
      x[2 * s] = a;
      x[2 * s + 1] = b;
    }
    const rho = Math.min(prevDelta === Infinity ? 0 : delta / prevDelta, 0.999999);
    if (delta <= tol && (delta * rho) / (1 - rho) <= tol) {
      const h = new Float64Array(S);
      const g = new Float64Array(S);
      for (let s = 0; s < S; s++) {
        h[s] = x[2 * s]!;
        g[s] = x[2 * s + 1]!;
      }
      return { h, g, iterations: it };
    }
    prevDelta = delta;
  }
  throw new AbsorbingChainNotConvergedError(tol, maxIt);
}

/** Predecessor lists of a system, to find the states whose solution a removal can change. */
export class Ancestors {
  private readonly predPtr: Int32Array;
  private readonly pred: Int32Array;
  private readonly seen: Int32Array;
  private stamp = 0;

  constructor(sys: AbsorbingSystem) {
    const S = sys.size;
    const cnt = new Int32Array(S + 1);
    for (let e = 0; e < sys.col.length; e++) cnt[sys.col[e]! + 1]!++;
    for (let s = 0; s < S; s++) cnt[s + 1]! += cnt[s]!;
    this.predPtr = cnt.slice();
    this.pred = new Int32Array(sys.col.length);
    const fill = cnt.slice(0, S);
    for (let s = 0; s < S; s++) {
      for (let e = sys.rowPtr[s]!; e < sys.rowPtr[s + 1]!; e++) this.pred[fill[sys.col[e]!]!++] = s;
    }
    this.seen = new Int32Array(S);
  }

  /** Non-removed states with a path into `targets`, ascending (= Gauss-Seidel order of a `sweepOrdered` system). */
  of(targets: number[], removed: Uint8Array): Int32Array {
    const mark = ++this.stamp;
    const queue = targets.slice();
    for (const t of targets) this.seen[t] = mark;
    const out: number[] = [];
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q]!;
      for (let e = this.predPtr[s]!; e < this.predPtr[s + 1]!; e++) {
        const u = this.pred[e]!;
        if (this.seen[u] === mark) continue;
        this.seen[u] = mark;
        queue.push(u);
        if (!removed[u]) out.push(u);
      }
    }
    return Int32Array.from(out).sort();
  }
}
