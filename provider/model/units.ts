/** Sizes in the ledger, in placement and in Heketi's JSON are KiB (as in Heketi's database); volumes are sized in GiB. */
export const KIB_PER_MIB = 1024;
export const KIB_PER_GIB = 1024 * KIB_PER_MIB;
