/**
 * The scripts `upkeep completion bash|zsh|fish` prints. Each one hands the words typed so far
 * to `upkeep __complete SHELL -- WORDS…` (the same program the user typed, so `./bin/upkeep`
 * completes with itself) and shows what comes back: the knowledge stays in the command table
 * (complete-words.ts), and the scripts never change when a command is added. A first line
 * `__files__` or `__dirs__` asks the shell for its own file or directory completion.
 */

export const COMPLETION_SHELLS = ["bash", "zsh", "fish"] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

const BASH = `# bash completion for upkeep. Load it with:
#   source <(upkeep completion bash)
# or install it: upkeep completion bash > /usr/share/bash-completion/completions/upkeep
_upkeep() {
    local cur=\${COMP_WORDS[COMP_CWORD]} out
    COMPREPLY=()
    out=$("\${COMP_WORDS[0]}" __complete bash -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return 0
    case $out in
        __files__) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
        __dirs__) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
        ?*) mapfile -t COMPREPLY <<<"$out" ;;
    esac
}
complete -F _upkeep upkeep
`;

const ZSH = `#compdef upkeep
# zsh completion for upkeep. Load it with (after compinit):
#   source <(upkeep completion zsh)
# or install it as _upkeep in a folder of $fpath.
_upkeep() {
    local -a lines
    lines=("\${(@f)$(\${words[1]} __complete zsh -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
    case \${lines[1]} in
        __files__) _files; return ;;
        __dirs__) _files -/; return ;;
        '') return 1 ;;
    esac
    _describe -t upkeep upkeep lines
}
if [[ \${funcstack[1]} == _upkeep ]]; then
    _upkeep "$@"
else
    compdef _upkeep upkeep
fi
`;

const FISH = `# fish completion for upkeep. Load it with:
#   upkeep completion fish | source
# or install it: upkeep completion fish > ~/.config/fish/completions/upkeep.fish
function __upkeep_complete
    set -l typed (commandline -opc) (commandline -ct)
    set -l out ($typed[1] __complete fish -- $typed[2..-1] 2>/dev/null)
    switch "$out[1]"
        case __files__
            __fish_complete_path (commandline -ct)
        case __dirs__
            __fish_complete_directories (commandline -ct)
        case '*'
            printf '%s\\n' $out
    end
end
complete -c upkeep -f -a '(__upkeep_complete)'
`;

/** The completion script for one shell. */
export function completionScript(shell: CompletionShell): string {
  switch (shell) {
    case "bash":
      return BASH;
    case "zsh":
      return ZSH;
    case "fish":
      return FISH;
  }
}
