import { Argument, type Command } from 'commander';
import { action, print } from '../context.js';
import { CliError } from '../exit.js';
import { examples } from './examples.js';

/** What a completion script needs of one command: its names, its subcommands and its options. */
interface CommandInfo {
  names: string[];
  description: string;
  subcommands: string[];
  /** Long (or short) flags, each with its description. */
  options: Array<{ flag: string; description: string; takesValue: boolean }>;
}

function optionsOf(command: Command): CommandInfo['options'] {
  const options = command.options.map((o) => ({
    flag: o.long ?? o.short ?? '',
    description: o.description,
    takesValue: o.required || o.optional,
  }));
  return [
    ...options.filter((o) => o.flag !== ''),
    { flag: '--help', description: 'display help', takesValue: false },
  ];
}

/** The program's commands (help excluded), read from commander so the scripts never fall behind. */
export function commandInfos(program: Command): CommandInfo[] {
  return program.commands
    .filter((c) => c.name() !== 'help')
    .map((c) => ({
      names: [c.name(), ...c.aliases()],
      description: c.description(),
      subcommands: c.commands.map((s) => s.name()),
      options: optionsOf(c),
    }));
}

const words = (list: string[]) => list.join(' ');

/** A bash completion script: `source <(stepline completion bash)`. */
export function bashCompletion(program: Command): string {
  const commands = commandInfos(program);
  const global = optionsOf(program);
  const valueFlags = [...global.filter((o) => o.takesValue).map((o) => o.flag)];
  const cases = commands
    .map(
      (c) =>
        `    ${c.names.join('|')}) opts=${JSON.stringify(words([...c.options.map((o) => o.flag), ...c.subcommands]))} ;;`,
    )
    .join('\n');
  return `# bash completion for stepline. Load it with: source <(stepline completion bash)
# or save it: stepline completion bash > ~/.local/share/bash-completion/completions/stepline
_stepline_completion() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local commands=${JSON.stringify(words(commands.flatMap((c) => c.names)))}
  local global=${JSON.stringify(words(global.map((o) => o.flag)))}
  local sub="" i=1
  while [ "$i" -lt "$COMP_CWORD" ]; do
    case "\${COMP_WORDS[i]}" in
      ${valueFlags.length ? `${valueFlags.join('|')}) i=$((i + 1)) ;;` : ''}
      -*) ;;
      *) sub="\${COMP_WORDS[i]}"; break ;;
    esac
    i=$((i + 1))
  done
  if [ -z "$sub" ]; then
    COMPREPLY=($(compgen -W "$commands $global" -- "$cur"))
    return 0
  fi
  local opts=""
  case "$sub" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts $global" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
  return 0
}
complete -o default -F _stepline_completion stepline
`;
}

/** `name:description` for zsh's _describe (colons in the name escaped), single-quoted. */
function described(name: string, description: string): string {
  const text = `${name.replace(/:/g, '\\:')}:${description}`;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A zsh completion script: `source <(stepline completion zsh)` (after compinit), or save it as `_stepline` on $fpath. */
export function zshCompletion(program: Command): string {
  const commands = commandInfos(program);
  const global = optionsOf(program);
  const cases = commands
    .map((c) => {
      const entries = [
        ...c.options.map((o) => described(o.flag, o.description)),
        ...c.subcommands.map((s) => described(s, 'subcommand')),
      ];
      return `    ${c.names.join('|')}) opts=(${entries.join(' ')}) ;;`;
    })
    .join('\n');
  const valueFlags = global.filter((o) => o.takesValue).map((o) => o.flag);
  return `#compdef stepline
# zsh completion for stepline. Load it with: source <(stepline completion zsh)   (after compinit)
# or save it as _stepline in a directory on $fpath.
_stepline() {
  local -a commands global opts
  commands=(${commands.flatMap((c) => c.names.map((n) => described(n, c.description))).join(' ')})
  global=(${global.map((o) => described(o.flag, o.description)).join(' ')})
  local sub="" i=2
  while (( i < CURRENT )); do
    case "$words[i]" in
      ${valueFlags.length ? `${valueFlags.join('|')}) (( i++ )) ;;` : ''}
      -*) ;;
      *) sub="$words[i]"; break ;;
    esac
    (( i++ ))
  done
  if [[ -z "$sub" ]]; then
    _describe -t commands 'stepline command' commands
    _describe -t options 'global option' global
    return
  fi
  case "$sub" in
${cases}
  esac
  if [[ "$PREFIX" == -* ]]; then
    _describe -t options 'option' opts
    _describe -t options 'global option' global
  else
    _files
  fi
}
if [ "$funcstack[1]" = "_stepline" ]; then
  _stepline "$@"
else
  compdef _stepline stepline
fi
`;
}

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script (bash or zsh) for the stepline commands and options')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
    .addHelpText(
      'after',
      examples(
        'source <(stepline completion bash)          # in ~/.bashrc',
        'source <(stepline completion zsh)           # in ~/.zshrc, after compinit',
        'stepline completion zsh > "${fpath[1]}/_stepline"',
      ),
    )
    .action(
      action(async (shell: string) => {
        if (shell === 'bash') print(bashCompletion(program));
        else if (shell === 'zsh') print(zshCompletion(program));
        else throw new CliError(`unknown shell "${shell}": expected bash or zsh`);
      }),
    );
}
