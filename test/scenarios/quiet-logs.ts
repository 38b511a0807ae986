/**
 * Imported first by a test that plays hundreds of scenarios: the functions' loggers (built when
 * their modules load) then write errors only, which is most of a night's cost at DEBUG. Such a
 * test checks the world, the bus and the ledger, never log lines.
 */
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
