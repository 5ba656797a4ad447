// Jaccard overlap of the words of two captions: how the VLM ensemble compares a model's caption to the reference.

function words(text: string): Set<string> {
  return new Set(text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean));
}

/** 1 when both captions use the same words, 0 when they share none. */
export function tokenOverlap(a: string, b: string): number {
  const left = words(a);
  const right = words(b);
  const shared = [...left].filter((word) => right.has(word)).length;
  const union = new Set([...left, ...right]).size;
  return union === 0 ? 1 : shared / union;
}
