/** Pure parsers for what the remote shell prints back. */
export * from "./gluster";
export * from "./lvm";
export * from "./probe";
