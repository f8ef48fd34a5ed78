/** Run a command line's main: its exit code, or `error: <message>` and exit 1 (no stack: the message says what to do). */
export function runCommandLine(main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`error: ${err.message}\n`);
      process.exit(1);
    },
  );
}
