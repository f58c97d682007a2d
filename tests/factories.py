import factory
from django.contrib.auth import get_user_model

from organizations.models import Department, Location, Member, MemberEmail, Organization


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    slug = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Organization {n}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Department {n}")


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Location {n}")


class MemberFactory(factory.django.DjangoModelFactory):
    """A person added by hand (not managed by the IdP) unless told otherwise."""

    class Meta:
        model = Member
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    # Plain sequences, not Faker: a random "Smith" or "Ada" would match another test's search.
    given_name = factory.Sequence(lambda n: f"Given{n}")
    family_name = factory.Sequence(lambda n: f"Family{n:05}")
    user_name = factory.Sequence(lambda n: f"person{n}@example.com")
    email = factory.LazyAttribute(lambda m: m.user_name)

    @factory.post_generation
    def work_email(member: Member, create: bool, extracted: object, **kwargs: object) -> None:
        # As organizations.services.create_member does: the work email is also an email row.
        if create and member.email:
            MemberEmail.objects.create(
                organization=member.organization, member=member, value=member.email, type="work", primary=True
            )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"admin{n}@example.com")
    email = factory.LazyAttribute(lambda u: u.username)
    password = factory.django.Password("correct horse battery")
