export const ACTION_DOCS: [string, string, string, string][];
export function renderActionDoc(actionYmlText: string, uses: string, key: string): string;
