/**
 * The webhook's outcome metric when the fallback took a push; it has its own alarm. A module of
 * its own, so the stack reads the name without loading the handler's runtime code.
 */
export const DEFERRED_METRIC = 'Deferred';
