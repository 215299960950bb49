"""How pytest-xdist hands test files to the workers (pytest.ini: ``--dist loadfile``).

Each file goes to one worker as a whole, in the order tests/conftest.py sorts
the tests (slowest first), with one rule more: on any worker, a file of stack
tests never comes before a file of other tests, whatever the order. Once a
worker has started Beacon's processes, they run until the worker ends
(tests/e2e/conftest.py), acting on that worker's database, Celery queue and
Kafka topics, which its other tests must have to themselves.

So that the slowest file of all, the fault drills (stack), need not wait until
every other file is handed out, the first worker starts with the stack files
and takes only those; the others take the other files first, then the stack
files left. With a single worker, the order alone keeps the rule.

The controller, where this runs, collects no tests and cannot see marks: a
stack file is known by its path, and tests/conftest.py checks at collection
that the ``stack`` marks say the same.
"""

from xdist.scheduler import LoadFileScheduling

STACK_FILES = "tests/e2e/"


def is_stack_file(path: str) -> bool:
    """A file of stack tests, by its path relative to the repository."""
    return path.startswith(STACK_FILES)


class StackFilesLastOnEachWorker(LoadFileScheduling):
    def __init__(self, config, log=None):
        super().__init__(config, log)
        self._on_stack_files = set()  # workers that took a stack file: they take only those from then on
        self._stack_first = None

    def _assign_work_unit(self, node) -> None:
        path = self._next_file_for(node)
        if path is None:
            return  # nothing this worker may take; it stays idle until the run ends
        if is_stack_file(path):
            self._on_stack_files.add(node)
        self.workqueue.move_to_end(path, last=False)  # LoadFileScheduling hands out the queue's first file
        super()._assign_work_unit(node)

    def _next_file_for(self, node) -> str | None:
        if self._stack_first is None and len(self.nodes) > 1:
            self._stack_first = self.nodes[0]
        stack_file = next((path for path in self.workqueue if is_stack_file(path)), None)
        if node in self._on_stack_files or (node is self._stack_first and stack_file is not None):
            return stack_file
        return next((path for path in self.workqueue if not is_stack_file(path)), stack_file)
