import { Argument, type Command, type Option } from 'commander';
import {
  COMPLETION_SHELLS,
  completionScript,
  type CommandSpec,
  type CompletionShell,
  type CompletionSpec,
  type OperandKind,
  type OptionSpec,
} from '../../core/completion-scripts.js';
import { EXPORT_SHELLS } from '../../core/shell-export.js';

/** The hidden command the scripts call for names; `__` keeps it out of completion and help. */
const NAMES_COMMAND = '__complete';

export function register(program: Command): void {
  program
    .command('completion')
    .description('shell completion script (bash, zsh, fish)')
    .addArgument(new Argument('<shell>', 'the shell to complete in').choices(COMPLETION_SHELLS))
    .addHelpText(
      'after',
      `
Load it:
  bash  source <(xacct completion bash)            (in ~/.bashrc)
  zsh   source <(xacct completion zsh)             (in ~/.zshrc, after compinit)
  fish  xacct completion fish > ~/.config/fish/completions/xacct.fish`,
    )
    .action((shell: CompletionShell) => {
      process.stdout.write(completionScript(shell, completionSpec(program)));
    });

  // Fast and silent: a completion must never print an error into the user's command line.
  program
    .command(NAMES_COMMAND, { hidden: true })
    .argument('<what>', 'profiles | sources')
    .action(async (what: string) => {
      try {
        const { loadProfileMap } = await import('../../app/load-profile-map.js');
        const { profileNames } = await import('../../core/profile-map/resolve.js');
        const map = await loadProfileMap(process.env);
        const names = what === 'profiles' ? profileNames(map) : what === 'sources' ? [...map.sources.keys()].sort() : [];
        if (names.length) process.stdout.write(`${names.join('\n')}\n`);
      } catch {
        /* no names to offer */
      }
    });
}

/** The commands and options of the program as the completion scripts need them. */
export function completionSpec(program: Command): CompletionSpec {
  const commands: CommandSpec[] = program.commands
    .filter((c) => !c.name().startsWith('__'))
    .map((c) => {
      const operand = operandOf(c);
      return {
        name: c.name(),
        description: c.description(),
        options: c.options.filter((o) => !o.hidden).map(optionSpec),
        ...(operand ? { operand } : {}),
        ...(c.name() === 'exec' ? { runsCommand: true } : {}),
      };
    });
  return {
    program: program.name(),
    commands,
    options: [
      { long: '--help', short: '-h', description: 'show help' },
      { long: '--version', short: '-V', description: 'show the version' },
    ],
  };
}

function operandOf(c: Command): OperandKind | undefined {
  // A group of commands (`mfa enroll`): its subcommands are the words after it.
  if (c.commands.length) return { choices: c.commands.map((sub) => sub.name()) };
  const first = c.registeredArguments[0];
  if (!first) return undefined;
  if (first.argChoices) return { choices: first.argChoices };
  const name = first.name();
  return name === 'profile' || name === 'source' ? name : undefined;
}

function optionSpec(o: Option): OptionSpec {
  return {
    long: o.long ?? o.flags,
    ...(o.short ? { short: o.short } : {}),
    description: o.description,
    ...(o.required ? { value: 'required' as const } : o.optional ? { value: 'optional' as const } : {}),
    // `assume --export [shell]` checks its value itself (it may be a profile), so commander does not know them.
    ...(o.argChoices ? { choices: o.argChoices } : o.long === '--export' ? { choices: EXPORT_SHELLS } : {}),
  };
}
