export * from "./errors";
export * from "./ids";
export * from "./schemas";
export * from "./json-input";
export * from "./units";
