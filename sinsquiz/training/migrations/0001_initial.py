"""The Attempt model moves here from the project's own app ("sinsquiz"), its table and rows untouched: only
Django's record of the models changes (sinsquiz 0009 forgets it there), and its content type follows, so
the permissions and admin history that point at it are kept."""

import cases.models
import datetime
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(old: str, new: str, model: str):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)

    return move


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('cases', '0004_imaged_region'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('sinsquiz', '0008_drop_tally'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Attempt',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('level', cases.models.LevelField(blank=True, max_length=8, verbose_name='index level')),
                        ('location', models.CharField(blank=True, choices=[('junctional', 'Junctional (occiput–C2, C7–T2, T11–L1, L5–S1)'), ('mobile', 'Mobile spine (C3–C6, L2–L4)'), ('semirigid', 'Semirigid (T3–T10)'), ('rigid', 'Rigid (S2–S5)')], max_length=16)),
                        ('pain', models.CharField(blank=True, choices=[('mechanical', 'Mechanical pain'), ('occasional', 'Occasional pain, not mechanical'), ('none', 'Pain-free lesion')], max_length=16)),
                        ('bone_lesion', models.CharField(blank=True, choices=[('lytic', 'Lytic'), ('mixed', 'Mixed (lytic/blastic)'), ('blastic', 'Blastic')], max_length=16)),
                        ('alignment', models.CharField(blank=True, choices=[('subluxation', 'Subluxation / translation present'), ('deformity', 'De novo deformity (kyphosis / scoliosis)'), ('normal', 'Normal alignment')], max_length=16)),
                        ('collapse', models.CharField(blank=True, choices=[('gt50', '> 50 % collapse'), ('lt50', '< 50 % collapse'), ('involved_gt50', 'No collapse, > 50 % of the body involved'), ('none', 'None of the above')], max_length=16)),
                        ('posterolateral', models.CharField(blank=True, choices=[('bilateral', 'Bilateral'), ('unilateral', 'Unilateral'), ('none', 'None of the above')], max_length=16)),
                        ('absent_pedicle', models.CharField(blank=True, choices=[('present', 'Present'), ('absent', 'Absent'), ('not_assessable', 'Not assessable')], max_length=16, verbose_name='absent pedicle sign')),
                        ('tomita', models.PositiveSmallIntegerField(blank=True, choices=[(1, 'Type 1: Vertebral body only'), (2, 'Type 2: Body and pedicle'), (3, 'Type 3: Body, pedicle and lamina'), (4, 'Type 4: Epidural extension'), (5, 'Type 5: Paravertebral extension'), (6, 'Type 6: Adjacent vertebrae'), (7, 'Type 7: Multiple or skip lesions')], null=True, verbose_name='Tomita type')),
                        ('escc', models.CharField(blank=True, choices=[('0', 'Grade 0: Bone only'), ('1a', 'Grade 1a: Epidural impingement'), ('1b', 'Grade 1b: Thecal sac deformed'), ('1c', 'Grade 1c: Cord abutted'), ('2', 'Grade 2: Cord compressed, CSF visible'), ('3', 'Grade 3: Cord compressed, no CSF')], max_length=2, verbose_name='ESCC grade')),
                        ('total', models.PositiveSmallIntegerField(editable=False, null=True, verbose_name='SINS total')),
                        ('category', models.CharField(blank=True, choices=[('stable', 'Stable'), ('potentially_unstable', 'Potentially unstable'), ('unstable', 'Unstable')], editable=False, max_length=24)),
                        ('state', models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted')], default='draft', max_length=16)),
                        ('started', models.DateTimeField(auto_now_add=True)),
                        ('saved', models.DateTimeField(auto_now=True)),
                        ('submitted', models.DateTimeField(blank=True, null=True)),
                        ('time_spent', models.DurationField(default=datetime.timedelta)),
                        ('case_version', models.PositiveIntegerField(blank=True, null=True)),
                        ('reference', models.JSONField(blank=True, help_text='The reference readings graded against.', null=True)),
                        ('reference_total', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('reference_category', models.CharField(blank=True, max_length=24)),
                        ('consultation', models.CharField(blank=True, choices=[('agree', 'Agrees on surgical consultation'), ('under_triage', 'Under-triage'), ('over_triage', 'Over-triage')], max_length=16)),
                        ('components_right', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('first_try', models.BooleanField(default=False)),
                        ('reference_level', models.CharField(blank=True, editable=False, max_length=8)),
                        ('level_correct', models.BooleanField(blank=True, editable=False, null=True)),
                        ('reference_location', models.CharField(blank=True, editable=False, max_length=16)),
                        ('location_correct', models.BooleanField(blank=True, editable=False, null=True)),
                        ('reference_pain', models.CharField(blank=True, editable=False, max_length=16)),
                        ('pain_correct', models.BooleanField(blank=True, editable=False, null=True)),
                        ('reference_bone_lesion', models.CharField(blank=True, editable=False, max_length=16)),
                        ('bone_lesion_correct', models.BooleanField(blank=True, editable=False, null=True)),
                        ('reference_alignment', models.CharField(blank=True, editable=False, max_length=16)),
                        ('alignment_correct', models.BooleanField(blank=True, editable=False, null=True)),
                        ('reference_collapse', models.CharField(blank=True, editable=False, max_length=16)),
                        ('collapse_correct', models.BooleanField(blank=True, editable=False, null=True)),
                        ('reference_posterolateral', models.CharField(blank=True, editable=False, max_length=16)),
                        ('posterolateral_correct', models.BooleanField(blank=True, editable=False, null=True)),
                        ('reference_absent_pedicle', models.CharField(blank=True, editable=False, max_length=16)),
                        ('absent_pedicle_correct', models.BooleanField(blank=True, editable=False, null=True)),
                        ('reference_tomita', models.PositiveSmallIntegerField(blank=True, editable=False, null=True)),
                        ('tomita_correct', models.BooleanField(blank=True, editable=False, null=True)),
                        ('reference_escc', models.CharField(blank=True, editable=False, max_length=2)),
                        ('escc_correct', models.BooleanField(blank=True, editable=False, null=True)),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='attempts', to='cases.case')),
                        ('trainee', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='attempts', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'sinsquiz_attempt',
                        'ordering': [models.OrderBy(models.F('submitted'), descending=True, nulls_last=True), '-started'],
                        'indexes': [models.Index(fields=['trainee', 'state', 'submitted', 'components_right', 'category', 'reference_category', 'consultation'], name='attempt_history'), models.Index(condition=models.Q(('first_try', True)), fields=['trainee', 'state'], name='attempt_first_tries'), models.Index(fields=['case', 'first_try'], name='sinsquiz_at_case_id_77ab18_idx'), models.Index(fields=['trainee', 'case', 'state'], name='attempts_at_case')],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('state', 'draft')), fields=('trainee', 'case'), name='one_draft_per_trainee_and_case')],
                    },
                ),
            ],
        ),
        migrations.RunPython(
            move_content_type("sinsquiz", "training", "attempt"), move_content_type("training", "sinsquiz", "attempt")
        ),
    ]
