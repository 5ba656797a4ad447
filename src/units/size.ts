// Sizes as users declare them: an amount of bytes, or a share of a capacity (a card's VRAM, the host's RAM).

/** A size as declared: bytes, or a share of the capacity it is measured against (a card's VRAM, the host's RAM). */
export type SizeSpec = { readonly bytes: number } | { readonly percent: number };

/** Bytes for a declared size: a share is taken of `capacityBytes` (null when that is unknown). */
export function sizeInBytes(spec: SizeSpec, capacityBytes: number | null): number | null {
  if ('bytes' in spec) return spec.bytes;
  return capacityBytes === null ? null : Math.round((spec.percent / 100) * capacityBytes);
}
