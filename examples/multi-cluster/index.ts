import { clusterStack } from "./program";

module.exports = clusterStack();
