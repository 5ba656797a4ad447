// A bounded timeline of samples (VRAM, utilisation, host RAM, swap) for runs of many hours. The newest maxPoints/2
// samples stay raw; older ones merge into buckets of one common width (a power of two, doubled when the archive fills)
// that keep each series' maximum and its time, so memory is O(maxPoints) and no peak is lost. Not "halve the oldest
// half": that merges the first points again at every overflow, and after 576,000 samples into 2,000 points the first
// point covered 570,012 samples (99% of the run), so a chart of the run became one bar.

/** One sample: epoch milliseconds and a value per series, null where the read failed. */
export interface TimelinePoint<K extends string> {
  readonly at: number;
  readonly values: Readonly<Record<K, number | null>>;
}

/** A stored point for reports: `values` are maxima over the samples it covers, `firstAt` to `at` inclusive. */
export interface StoredPoint<K extends string> extends TimelinePoint<K> {
  readonly firstAt: number;
  readonly samples: number;
}

/** A series' maximum over a window; `exact` false means `value` is an upper bound (see `SampleTimeline.peak`). */
export interface TimelinePeak {
  readonly value: number;
  readonly at: number;
  readonly exact: boolean;
}

/** Counters for reports and tests; `bucketSamples` is how many samples one archived point now covers. */
export interface TimelineStats {
  readonly storedPoints: number;
  readonly pointsAdded: number;
  readonly merges: number;
  readonly bucketSamples: number;
  readonly bytesHeld: number;
}

/** What `createSampleTimeline` needs: the series names and the most points it may hold (at least 8). */
export interface SampleTimelineOptions<K extends string> {
  readonly series: readonly K[];
  readonly maxPoints: number;
}

/** The timeline a sampler writes to and reports read from. */
export interface SampleTimeline<K extends string> {
  /** Appends a sample. Non-finite values count as failed reads; a clock that steps back is clamped to the last time. */
  add(point: TimelinePoint<K>): void;
  /**
   * The maximum of `series` over [from, to] (epoch ms, inclusive), null if it has no value there. Without bounds: the
   * exact running peak of the run. With bounds: exact, value and time, over raw points (the newest maxPoints/2) and over
   * buckets inside the window or whose maximum is; a window that cuts a bucket whose maximum lies outside it gets that
   * maximum with `exact: false`: an upper bound, at most one bucket (`stats().bucketSamples` samples) outside the window.
   */
  peak(series: K, from?: number, to?: number): TimelinePeak | null;
  /** A copy of the stored points, oldest first, for charts. */
  points(): readonly StoredPoint<K>[];
  /** The stored points that ended after `at` (epoch ms), oldest first: a watcher following the newest samples reads a few rows. */
  since(at: number): readonly StoredPoint<K>[];
  stats(): TimelineStats;
}

// Each point is one row of a Float64Array: [firstAt, lastAt, samples, then per series value, time of that value].
// Typed rows keep a long run free of per-sample objects; NaN stands for null.
const [FIRST, LAST, COUNT, SERIES_BASE] = [0, 1, 2, 3] as const;

// A value replaces the current maximum when larger, or when the maximum so far is a failed read (NaN).
const isHigher = (value: number, current: number): boolean => value > current || (Number.isNaN(current) && !Number.isNaN(value));
const toNullable = (value: number | undefined): number | null => (value === undefined || Number.isNaN(value) ? null : value);

/** Creates an empty timeline; throws RangeError for options that cannot work, before any sample is taken. */
export function createSampleTimeline<K extends string>(options: SampleTimelineOptions<K>): SampleTimeline<K> {
  const series = [...options.series];
  const { maxPoints } = options;
  if (!Number.isInteger(maxPoints) || maxPoints < 8) {
    throw new RangeError(`createSampleTimeline: \`maxPoints\` must be a whole number of at least 8, got \`${String(maxPoints)}\` (${typeof maxPoints})`);
  }
  if (series.length === 0 || new Set(series).size !== series.length) {
    throw new RangeError(`createSampleTimeline: \`series\` must be non-empty names without repeats, got ${JSON.stringify(series)}`);
  }
  const indexOf = new Map<string, number>(series.map((name, k) => [name, k]));
  const stride = SERIES_BASE + 2 * series.length;
  // Archive capacity is even so that compaction pairs every point; the archive's last free row is the pending bucket.
  const archiveCap = 2 * Math.floor(maxPoints / 4);
  const recentCap = maxPoints - archiveCap;
  const archive = new Float64Array(archiveCap * stride);
  const recent = new Float64Array(recentCap * stride);
  // The run's peak is one more row that every sample is folded into: exact whatever the archive merged.
  const runPeak = new Float64Array(stride).fill(Number.NaN);
  runPeak[COUNT] = 0;
  let archiveLen = 0;
  let pendingSamples = 0;
  let bucketSamples = 1;
  let head = 0;
  let recentLen = 0;
  let added = 0;
  let lastAt = Number.NEGATIVE_INFINITY;

  // Folds the later row `src` into `dst`; on a tie the earlier maximum keeps its time.
  const mergeRow = (dst: Float64Array, d: number, src: Float64Array, s: number): void => {
    dst[d + LAST] = src[s + LAST] ?? Number.NaN;
    dst[d + COUNT] = (dst[d + COUNT] ?? 0) + (src[s + COUNT] ?? 0);
    for (let o = SERIES_BASE; o < stride; o += 2) {
      const v = src[s + o] ?? Number.NaN;
      if (isHigher(v, dst[d + o] ?? Number.NaN)) {
        dst[d + o] = v;
        dst[d + o + 1] = src[s + o + 1] ?? Number.NaN;
      }
    }
  };

  const compactArchive = (): void => {
    for (let i = 0; i < archiveCap / 2; i += 1) {
      archive.copyWithin(i * stride, 2 * i * stride, (2 * i + 1) * stride);
      mergeRow(archive, i * stride, archive, (2 * i + 1) * stride);
    }
    archiveLen = archiveCap / 2;
    bucketSamples *= 2;
  };

  const evictOldestRecent = (): void => {
    const src = head * stride;
    const dst = archiveLen * stride;
    if (pendingSamples === 0) archive.set(recent.subarray(src, src + stride), dst);
    else mergeRow(archive, dst, recent, src);
    pendingSamples += 1;
    head = (head + 1) % recentCap;
    recentLen -= 1;
    if (pendingSamples < bucketSamples) return;
    pendingSamples = 0;
    archiveLen += 1;
    if (archiveLen === archiveCap) compactArchive();
  };

  // Visits stored rows oldest first: full buckets, the pending bucket, then the raw ring.
  const forEachRow = (visit: (rows: Float64Array, offset: number) => void): void => {
    const buckets = archiveLen + (pendingSamples > 0 ? 1 : 0);
    for (let i = 0; i < buckets; i += 1) visit(archive, i * stride);
    for (let i = 0; i < recentLen; i += 1) visit(recent, ((head + i) % recentCap) * stride);
  };

  // Visits stored rows newest first until `visit` returns false: a test's window is recent, so a peak lookup at the
  // end of a test reads a few rows instead of the whole timeline.
  const forEachRowNewestFirst = (visit: (rows: Float64Array, offset: number) => boolean): void => {
    for (let i = recentLen - 1; i >= 0; i -= 1) if (!visit(recent, ((head + i) % recentCap) * stride)) return;
    const buckets = archiveLen + (pendingSamples > 0 ? 1 : 0);
    for (let i = buckets - 1; i >= 0; i -= 1) if (!visit(archive, i * stride)) return;
  };

  const storedPoint = (rows: Float64Array, r: number): StoredPoint<K> => {
    const values = Object.fromEntries(series.map((name, k) => [name, toNullable(rows[r + SERIES_BASE + 2 * k])])) as Record<K, number | null>;
    return { at: rows[r + LAST] ?? 0, firstAt: rows[r + FIRST] ?? 0, samples: rows[r + COUNT] ?? 0, values };
  };

  const seriesIndex = (name: K): number => {
    const k = indexOf.get(name);
    if (k === undefined) throw new RangeError(`sample timeline: unknown series \`${name}\`; known: ${series.join(', ')}`);
    return k;
  };

  return {
    add(point) {
      if (!Number.isFinite(point.at)) throw new RangeError(`sample timeline: \`at\` must be epoch milliseconds, got \`${String(point.at)}\``);
      // Wall clocks step back under NTP; clamping keeps the rows ordered without dropping the sample.
      const at = Math.max(point.at, lastAt);
      lastAt = at;
      if (recentLen === recentCap) evictOldestRecent();
      const row = ((head + recentLen) % recentCap) * stride;
      recent.set([at, at, 1], row + FIRST);
      for (let k = 0; k < series.length; k += 1) {
        const raw: unknown = point.values[series[k] as K];
        const value = typeof raw === 'number' && Number.isFinite(raw) ? raw : Number.NaN;
        recent[row + SERIES_BASE + 2 * k] = value;
        recent[row + SERIES_BASE + 2 * k + 1] = at;
      }
      mergeRow(runPeak, 0, recent, row);
      recentLen += 1;
      added += 1;
    },

    peak(name, from, to) {
      const o = SERIES_BASE + 2 * seriesIndex(name);
      if (from === undefined && to === undefined) {
        const value = runPeak[o] ?? Number.NaN;
        return Number.isNaN(value) ? null : { value, at: runPeak[o + 1] ?? Number.NaN, exact: true };
      }
      const lo = from ?? Number.NEGATIVE_INFINITY;
      const hi = to ?? Number.POSITIVE_INFINITY;
      let best: TimelinePeak | null = null;
      forEachRowNewestFirst((rows, r) => {
        // Rows are in time order: once one ends before the window, every older one does too.
        if ((rows[r + LAST] ?? 0) < lo) return false;
        const value = rows[r + o] ?? Number.NaN;
        if ((rows[r + FIRST] ?? 0) > hi || Number.isNaN(value)) return true;
        const at = rows[r + o + 1] ?? Number.NaN;
        const exact = at >= lo && at <= hi;
        if (best === null || value > best.value || (value === best.value && exact && !best.exact)) best = { value, at, exact };
        return true;
      });
      return best;
    },

    points() {
      const out: StoredPoint<K>[] = [];
      forEachRow((rows, r) => {
        out.push(storedPoint(rows, r));
      });
      return out;
    },

    since(at) {
      const out: StoredPoint<K>[] = [];
      forEachRowNewestFirst((rows, r) => {
        if ((rows[r + LAST] ?? 0) <= at) return false;
        out.push(storedPoint(rows, r));
        return true;
      });
      return out.reverse();
    },

    stats() {
      const storedPoints = archiveLen + (pendingSamples > 0 ? 1 : 0) + recentLen;
      // Rows dominate; the series names and their index map are a few dozen bytes each.
      const bytesHeld = archive.byteLength + recent.byteLength + runPeak.byteLength + 64 * series.length;
      // Every merge turns two points into one, so the merges done are the points no longer stored.
      return { storedPoints, pointsAdded: added, merges: added - storedPoints, bucketSamples, bytesHeld };
    },
  };
}
