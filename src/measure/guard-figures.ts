// The figures of the memory guard's calls, as people read them (`96.2%`, `10.02 GiB/s`, `t-1.80s 2.00 GiB, …`), and
// the least-squares line its growth rule fits.

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** `96.2%`. */
export function percent(used: number, total: number): string {
  return `${((used / total) * 100).toFixed(1)}%`;
}

/** `31.3 GiB` or `512 MiB`. */
export function formatGuardBytes(bytes: number): string {
  const mib = Math.round(bytes / MiB);
  return Math.abs(mib) >= 1024 ? `${(bytes / GiB).toFixed(2)} GiB` : `${mib} MiB`;
}

export function formatRate(bytesPerSecond: number): string {
  const mib = Math.round(bytesPerSecond / MiB);
  return mib >= 1024 ? `${(bytesPerSecond / GiB).toFixed(2)} GiB/s` : `${mib} MiB/s`;
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Least squares of used bytes against seconds before `now`: slope in bytes/s, the line's value at `now`, and R². */
export function fitLine(points: readonly { readonly at: number; readonly value: number }[], now: number): { slope: number; atNow: number; r2: number } | null {
  const n = points.length;
  if (n < 2) return null;
  const xs = points.map((p) => (p.at - now) / 1000);
  const ys = points.map((p) => p.value);
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i += 1) {
    const dx = (xs[i] as number) - meanX;
    const dy = (ys[i] as number) - meanY;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  // A flat series fits its line perfectly, but has nothing to predict: R² 0 keeps it out.
  const r2 = syy === 0 ? 0 : (sxy * sxy) / (sxx * syy);
  return { slope, atNow: meanY - slope * meanX, r2 };
}

/** The curve as text, times relative to its last point: `t-1.80s 2.00 GiB, …, t0 4.00 GiB`. */
export function formatGuardCurve(curve: readonly { readonly at: number; readonly value: number }[]): string {
  const end = curve[curve.length - 1];
  if (!end) return 'no readings';
  const max = Math.max(...curve.map((p) => p.value));
  const unit = max >= GiB ? { size: GiB, name: 'GiB', digits: 2 } : { size: MiB, name: 'MiB', digits: 0 };
  return curve.map((p) => {
    const t = p === end ? 't0' : `t-${((end.at - p.at) / 1000).toFixed(2)}s`;
    return `${t} ${(p.value / unit.size).toFixed(unit.digits)} ${unit.name}`;
  }).join(', ');
}
