export interface RequiredTool {
  name: string;
  path?: string;
  command?: string;
  args?: string[];
  package: string;
  usedBy: string;
}
export const REQUIRED_TOOLS: RequiredTool[];
export function toolPresent(tool: RequiredTool): boolean;
export function missingTools(): RequiredTool[];
export function missingToolsMessage(missing: RequiredTool[]): string;
