/**
 * Shell completion scripts for bash, zsh and fish, generated from a description of the commands (built from the
 * CLI's own definitions, so they never drift). Profile and source names come at completion time from the hidden
 * `xacct __complete profiles|sources`, so the scripts stay valid when the profile map changes.
 */

export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** What a command's first operand is: completed from the profile map, or from fixed words. */
export type OperandKind = 'profile' | 'source' | { readonly choices: readonly string[] };

export interface OptionSpec {
  /** `--region`; a short form, when there is one, in `short`. */
  readonly long: string;
  readonly short?: string;
  readonly description: string;
  /** `required`: `--region <r>`; `optional`: `--export [shell]`. */
  readonly value?: 'required' | 'optional';
  readonly choices?: readonly string[];
}

export interface CommandSpec {
  readonly name: string;
  readonly description: string;
  readonly options: readonly OptionSpec[];
  readonly operand?: OperandKind;
  /** exec: after `--` comes a command line of its own. */
  readonly runsCommand?: boolean;
}

export interface CompletionSpec {
  readonly program: string;
  readonly commands: readonly CommandSpec[];
  /** Options of the program itself (--help, --version). */
  readonly options: readonly OptionSpec[];
}

export function completionScript(shell: CompletionShell, spec: CompletionSpec): string {
  switch (shell) {
    case 'bash':
      return bashScript(spec);
    case 'zsh':
      return zshScript(spec);
    case 'fish':
      return fishScript(spec);
  }
}

// Every word put in a script is one of the CLI's own names; these keep descriptions from breaking the quoting.
const singleQuoted = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
const ident = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');

function flagsOf(o: OptionSpec): string[] {
  return o.short ? [o.short, o.long] : [o.long];
}

function namesCommand(spec: CompletionSpec, what: 'profiles' | 'sources'): string {
  return `command ${spec.program} __complete ${what} 2>/dev/null`;
}

function bashScript(spec: CompletionSpec): string {
  const fn = `_${ident(spec.program)}_completion`;
  const valueOptions = new Set<string>();
  for (const c of spec.commands) for (const o of c.options) if (o.value === 'required') flagsOf(o).forEach((f) => valueOptions.add(f));
  const choiceCases = new Map<string, readonly string[]>();
  for (const c of spec.commands) for (const o of c.options) if (o.choices) choiceCases.set(o.long, o.choices);

  const perCommand = spec.commands.map((c) => {
    const options = [...c.options.flatMap(flagsOf), '--help'].join(' ');
    const operand =
      c.operand === undefined ? '' : c.operand === 'profile' ? 'profiles' : c.operand === 'source' ? 'sources' : `words ${c.operand.choices.join(' ')}`;
    return `    ${c.name}) options=${singleQuoted(options)}; operand=${singleQuoted(operand)}; runs_command=${c.runsCommand ? 1 : 0} ;;`;
  });

  return `# bash completion for ${spec.program}. Load it with:  source <(${spec.program} completion bash)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" cmd="" operands=0 dashdash=0 i word
  (( COMP_CWORD > 0 )) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  COMPREPLY=()
  for (( i = 1; i < COMP_CWORD; i++ )); do
    word="\${COMP_WORDS[i]}"
    if (( dashdash )); then continue; fi
    case "$word" in
      --) [[ -n $cmd ]] && dashdash=$i ;;
      ${[...valueOptions].join('|') || '--never'}) (( i++ )) ;;
      -*) ;;
      *) if [[ -z $cmd ]]; then cmd="$word"; else (( operands++ )); fi ;;
    esac
  done

  if [[ -z $cmd ]]; then
    COMPREPLY=( $(compgen -W ${singleQuoted([...spec.commands.map((c) => c.name), ...spec.options.flatMap(flagsOf)].join(' '))} -- "$cur") )
    return 0
  fi

  local options="" operand="" runs_command=0
  case "$cmd" in
${perCommand.join('\n')}
    *) return 0 ;;
  esac

  if (( dashdash )); then
    # The command run by exec: a command name, then whatever that command takes (files).
    if (( runs_command && COMP_CWORD == dashdash + 1 )); then
      COMPREPLY=( $(compgen -c -- "$cur") )
    else
      compopt -o default 2>/dev/null
    fi
    return 0
  fi

  case "$prev" in
${[...choiceCases].map(([flag, choices]) => `    ${flag}) COMPREPLY=( $(compgen -W ${singleQuoted(choices.join(' '))} -- "$cur") ); return 0 ;;`).join('\n')}
    ${[...valueOptions].join('|') || '--never'}) return 0 ;;
  esac

  if [[ $cur == -* ]]; then
    COMPREPLY=( $(compgen -W "$options" -- "$cur") )
  elif (( operands == 0 )) && [[ -n $operand ]]; then
    # Names are read at completion time: the profile map may have changed since this script was loaded.
    local IFS=$'\\n' names
    case "$operand" in
      "words "*) names="\${operand#words }"; names="\${names// /$'\\n'}" ;;
      *) names="$(command ${spec.program} __complete "$operand" 2>/dev/null)" ;;
    esac
    COMPREPLY=( $(compgen -W "$names" -- "$cur") )
  fi
  return 0
}
complete -F ${fn} ${spec.program}
`;
}

/** zsh's _arguments takes `--flag[description]:message:action`; brackets and colons in text must be escaped. */
const zshText = (s: string) => oneLine(s).replace(/([[\]:\\'])/g, (m) => (m === "'" ? `'\\''` : `\\${m}`));

function zshOption(o: OptionSpec): string {
  const flags = flagsOf(o);
  const names = flags.length > 1 ? `(${flags.join(' ')})'{${flags.join(',')}}'` : flags[0]!;
  const value = o.value === undefined ? '' : `${o.value === 'optional' ? '::' : ':'}value:${o.choices ? `(${o.choices.join(' ')})` : ' '}`;
  return `'${names}[${zshText(o.description)}]${value}'`;
}

function zshScript(spec: CompletionSpec): string {
  const p = ident(spec.program);
  const commands = spec.commands.map((c) => `    '${zshText(c.name)}:${zshText(c.description)}'`).join('\n');
  const perCommand = spec.commands.map((c) => {
    const operand =
      c.operand === undefined
        ? []
        : c.operand === 'profile'
          ? [`'1:profile:_${p}_profiles'`]
          : c.operand === 'source'
            ? [`'1:source:_${p}_sources'`]
            : [`'1:${c.name}:(${c.operand.choices.join(' ')})'`];
    const args = [...c.options.map(zshOption), "'(- *)'{-h,--help}'[show help]'", ...operand];
    const dashdash = c.runsCommand
      ? `
      local dd=\${words[(i)--]}
      if (( dd < CURRENT )); then
        shift $dd words; (( CURRENT -= dd )); _normal; return
      fi`
      : '';
    return `    ${c.name})${dashdash}
      _arguments -s ${args.join(' \\\n        ')} ;;`;
  });

  return `#compdef ${spec.program}
# zsh completion for ${spec.program}. Load it with:  source <(${spec.program} completion zsh)
# (after compinit), or save it as _${spec.program} in a directory of $fpath.
_${p}_profiles() {
  local -a names; names=(\${(f)"$(${namesCommand(spec, 'profiles')})"})
  _describe -t profiles profile names
}
_${p}_sources() {
  local -a names; names=(\${(f)"$(${namesCommand(spec, 'sources')})"})
  _describe -t sources source names
}
_${p}() {
  local curcontext="$curcontext" state line
  # Not \`commands\`: that is zsh's hash of executables, which _normal reads after exec's \`--\`.
  local -a subcommands; subcommands=(
${commands}
  )
  _arguments -C ${spec.options.map(zshOption).join(' ')} '1:command:->command' '*::arg:->args' && return
  case $state in
    command) _describe -t commands command subcommands ;;
    args)
      curcontext="\${curcontext%:*:*}:${spec.program}-$line[1]:"
      case $line[1] in
${perCommand.join('\n')}
      esac ;;
  esac
}
if [[ "\${funcstack[1]}" == "_${p}" ]]; then _${p} "$@"; else compdef _${p} ${spec.program}; fi
`;
}

function fishScript(spec: CompletionSpec): string {
  const p = ident(spec.program);
  const c = `complete -c ${spec.program}`;
  const valueOptions = spec.commands.flatMap((cmd) => cmd.options.filter((o) => o.value === 'required').flatMap(flagsOf));
  const lines: string[] = [
    `# fish completion for ${spec.program}. Load it with:  ${spec.program} completion fish | source`,
    `# (or save it as ~/.config/fish/completions/${spec.program}.fish).`,
    `function __${p}_operands --description 'operands typed after the subcommand, or -1 after --'`,
    `    set -l tokens (commandline -opc)`,
    `    set -e tokens[1]`,
    `    set -l count -1`,
    `    set -l skip 0`,
    `    for t in $tokens`,
    `        if test $skip -eq 1; set skip 0; continue; end`,
    `        switch $t`,
    `            case --; test $count -ge 0; and echo -1; and return`,
    ...(valueOptions.length ? [`            case ${valueOptions.join(' ')}; set skip 1`] : []),
    `            case '-*'`,
    `            case '*'; set count (math $count + 1)`,
    `        end`,
    `    end`,
    `    echo $count`,
    `end`,
    `function __${p}_after_dashdash --argument-names first`,
    `    set -l tokens (commandline -opc)`,
    `    set -l i (contains -i -- -- $tokens); or return 1`,
    `    test -z "$first"; or test (count $tokens) -eq $i`,
    `end`,
    `${c} -f`,
    ...spec.options.map((o) => `${c} -n __fish_use_subcommand ${fishFlags(o)} -d ${singleQuoted(oneLine(o.description))}`),
  ];
  for (const cmd of spec.commands) {
    const when = `'__fish_seen_subcommand_from ${cmd.name}'`;
    lines.push(`${c} -n __fish_use_subcommand -a ${cmd.name} -d ${singleQuoted(oneLine(cmd.description))}`);
    for (const o of cmd.options) {
      const value = o.value === undefined ? '' : o.choices ? ` -x -a ${singleQuoted(o.choices.join(' '))}` : o.value === 'required' ? ' -x' : '';
      lines.push(`${c} -n ${when} ${fishFlags(o)}${value} -d ${singleQuoted(oneLine(o.description))}`);
    }
    const firstOperand = `'__fish_seen_subcommand_from ${cmd.name}; and test (__${p}_operands) -eq 0'`;
    if (cmd.operand === 'profile') lines.push(`${c} -n ${firstOperand} -a '(${namesCommand(spec, 'profiles')})'`);
    else if (cmd.operand === 'source') lines.push(`${c} -n ${firstOperand} -a '(${namesCommand(spec, 'sources')})'`);
    else if (cmd.operand) lines.push(`${c} -n ${firstOperand} -a ${singleQuoted(cmd.operand.choices.join(' '))}`);
    if (cmd.runsCommand) {
      lines.push(`${c} -n '__fish_seen_subcommand_from ${cmd.name}; and __${p}_after_dashdash first' -a '(__fish_complete_command)'`);
      lines.push(`${c} -n '__fish_seen_subcommand_from ${cmd.name}; and __${p}_after_dashdash; and not __${p}_after_dashdash first' -F`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function fishFlags(o: OptionSpec): string {
  const long = `-l ${o.long.replace(/^--/, '')}`;
  return o.short ? `-s ${o.short.replace(/^-/, '')} ${long}` : long;
}
