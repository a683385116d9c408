/**
 * A searchable list on the terminal itself (/dev/tty), so that it works when stdout is a pipe
 * (`xacct exec -- cmd | less`).
 */
import { askWithInquirer, inTurn, type TurnRequest } from './inquirer-on-tty.js';

export interface PickerChoice {
  readonly value: string;
  /** The line shown in the list. */
  readonly name: string;
  /** Shown under the list for the highlighted choice. */
  readonly description?: string;
}

export interface PickerQuestion {
  readonly message: string;
  /** The choices matching what was typed so far (`''` at first), best first. */
  readonly choices: (term: string) => readonly PickerChoice[];
  readonly pageSize?: number;
}

/** The chosen value; undefined when there is no terminal to ask on. Ctrl-C ends the command with exit 130. */
export async function searchOnTerminal(question: PickerQuestion, turn: TurnRequest): Promise<string | undefined> {
  return inTurn(turn, () =>
    askWithInquirer(({ search }, context) =>
      search<string>(
        {
          message: question.message,
          source: (term) => question.choices(term ?? ''),
          pageSize: question.pageSize ?? 12,
        },
        { ...context, clearPromptOnDone: false },
      ),
    ),
  );
}
