# bash completion for collector(1).
#
# The options and what they take are read from `collector --help` of the
# very command being completed, so completion cannot fall behind the
# program.  An option's value is completed from its metavar: the choices
# of "a|b|c", file names for FILE, directory names for DIR, true or false
# for BOOL; "--check[=api]" offers api after the "=".

# Prints "--flag;METAVAR;-s" for each option of cmd's --help.
_collector_options()
{
	"$1" --help 2>/dev/null | sed -n -E \
	    's/^(  (-[A-Za-z]), |      )(--[a-z0-9-]+)(\[=[a-z|]+\]| [^ ]+)?( .*)?$/\3;\4;\2/p'
}

_collector()
{
	local cur prev cmd flag meta short want= after_equals=
	local -a flags=()

	COMPREPLY=()
	cmd=${COMP_WORDS[0]}
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	# "=" breaks words: "--format=nd" arrives as "--format" "=" "nd".
	if [[ $cur == "=" ]]; then
		cur=
		after_equals=1
	elif [[ $prev == "=" ]] && ((COMP_CWORD > 1)); then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
		after_equals=1
	fi

	while IFS=';' read -r flag meta short; do
		meta=${meta# }
		flags+=("$flag")
		if [[ -n $prev && ($prev == "$flag" || $prev == "$short") ]]; then
			want=${meta:--}
		fi
	done < <(_collector_options "$cmd")

	case $want in
	"")
		;;
	-)
		# takes no value: complete the next option
		want=
		;;
	"[="*)
		# an optional value is only ever given after "="
		if [[ -n $after_equals ]]; then
			meta=${want#"[="}
			meta=${meta%]}
			COMPREPLY=($(compgen -W "${meta//|/ }" -- "$cur"))
			return 0
		fi
		want=
		;;
	*"|"*)
		COMPREPLY=($(compgen -W "${want//|/ }" -- "$cur"))
		return 0
		;;
	BOOL)
		COMPREPLY=($(compgen -W "true false" -- "$cur"))
		return 0
		;;
	FILE)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0
		;;
	DIR)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -d -- "$cur"))
		return 0
		;;
	*)
		# a number, URL or name: nothing to offer
		return 0
		;;
	esac
	COMPREPLY=($(compgen -W "${flags[*]}" -- "$cur"))
	return 0
}

complete -F _collector collector
