/** The remote shell boundary: quoting, command builders, layout, and output parsers. */
export * as shell from "./shell";
export * as layout from "./layout";
export * as lvm from "./lvm";
export * as brick from "./brick";
export * as gluster from "./gluster";
export * as parsers from "./parsers";
