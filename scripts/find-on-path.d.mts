export function onPath(name: string): string | undefined;
export function findGo(): string | undefined;
