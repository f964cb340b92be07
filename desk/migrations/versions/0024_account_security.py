"""Account security: password resets by mail, TOTP second factor with recovery codes and a
per-role rule, API tokens with scopes, expiry and last use

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 01:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0024'
down_revision: Union[str, None] = '0023'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Tokens made before scopes existed keep doing everything they did.
ALL_SCOPES = ("tickets:read tickets:write customers:read customers:write kb:read kb:write "
              "reports:read admin")


def upgrade() -> None:
    op.create_table('passwordreset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('password_mark', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index(op.f('ix_passwordreset_user_id'), 'passwordreset', ['user_id'], unique=False)
    op.create_table('resetrequest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_resetrequest_email_at', 'resetrequest', ['email', 'at'], unique=False)
    op.create_index('ix_resetrequest_address_at', 'resetrequest', ['address', 'at'], unique=False)
    op.create_table('recoverycode',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_recoverycode_user_id'), 'recoverycode', ['user_id'], unique=False)
    op.create_table('twofactorrule',
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('role')
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sqlmodel.sql.sqltypes.AutoString(length=300),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('totp_enabled_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=False,
                                      server_default='0'))
    with op.batch_alter_table('apitoken', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scopes', sqlmodel.sql.sqltypes.AutoString(length=300),
                                      nullable=False, server_default=ALL_SCOPES))
        batch_op.add_column(sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('use_recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                      nullable=True))
    # The defaults filled the existing rows; the models give every new row its values.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('totp_secret', server_default=None)
        batch_op.alter_column('totp_last_step', server_default=None)
    with op.batch_alter_table('apitoken', schema=None) as batch_op:
        batch_op.alter_column('scopes', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('apitoken', schema=None) as batch_op:
        batch_op.drop_column('use_recorded_at')
        batch_op.drop_column('last_used_at')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('scopes')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret')
    op.drop_table('twofactorrule')
    op.drop_index(op.f('ix_recoverycode_user_id'), table_name='recoverycode')
    op.drop_table('recoverycode')
    op.drop_index('ix_resetrequest_address_at', table_name='resetrequest')
    op.drop_index('ix_resetrequest_email_at', table_name='resetrequest')
    op.drop_table('resetrequest')
    op.drop_index(op.f('ix_passwordreset_user_id'), table_name='passwordreset')
    op.drop_table('passwordreset')
