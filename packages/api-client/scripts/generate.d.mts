/** Path of the generated src/schema.ts. */
export declare const SCHEMA_FILE: string;
/** The OpenAPI document of the event service as it is now. */
export declare function openApiDocument(): Promise<{ paths: Record<string, unknown>; [key: string]: unknown }>;
/** The text of src/schema.ts for the given document (default: the service's current one). */
export declare function generateSchema(doc?: unknown): Promise<string>;
