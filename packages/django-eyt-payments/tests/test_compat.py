from eyt_payments import compat


@compat.task()
def add(a, b):
    return a + b


def test_tasks_come_from_django_or_the_backport():
    assert compat.task.__module__.split(".")[0] in {"django", "django_tasks"}
    assert add.enqueue(2, 3).return_value == 5
