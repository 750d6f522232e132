export function relativeImports(text: string): string[];
export function unresolvedImports(
  files: string[],
  resolves: (path: string) => boolean,
): { file: string; specifier: string; path: string }[];
