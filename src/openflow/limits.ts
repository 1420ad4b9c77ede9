// Upper bounds on elements per list, so that the work per message stays
// bounded whatever a peer sends (TOO_MANY_ELEMENTS beyond them). A 64 KiB
// message cannot legitimately hold more of the smallest element than this.
export const MAX_HELLO_ELEMENTS = 64;
export const MAX_BITMAP_WORDS = 64;
export const MAX_ACTIONS = 2048;
export const MAX_INSTRUCTIONS = 16;
export const MAX_OXM_FIELDS = 64;
export const MAX_BUCKETS = 1024;
export const MAX_BANDS = 64;
export const MAX_PORTS = 1400;
export const MAX_MULTIPART_ENTRIES = 4096;
